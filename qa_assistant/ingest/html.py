"""The article inside a web page: its title and body text, without the page around it.

trafilatura does the extraction (it finds the main content of news pages well).
Before it runs, the parts of a page that are never the article are removed:
navigation, page header and footer, asides, forms, and cookie, consent,
newsletter and pop-up boxes.  Without that, a page with no article would hand
back its cookie notice as if it were the story.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import IngestError

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_BOILERPLATE_TAGS = ("nav", "aside", "form", "dialog", "noscript", "template", "button", "iframe")
_PAGE_FRAME_TAGS = ("header", "footer")  # removed unless inside the <article>
_BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "dialog", "alertdialog", "complementary", "search"}
# Words in an element's id or class that mark page furniture ("cookie-banner", "related_links").
_BOILERPLATE_WORDS = frozenset(
    "cookie cookies consent gdpr newsletter paywall popup modal overlay advert adverts advertisement ad ads "
    "promo sharing share social related subscribe signup breadcrumb breadcrumbs".split()
)
_NAME_SPLIT = re.compile(r"[\s_-]+")
_TITLE_SEPARATOR = re.compile(r"\s+[|–—-]\s+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def extract_article(relpath: str, html: str) -> tuple[str, str]:
    """``(title, text)`` of the article in ``html``; IngestError if the page holds no article text.

    ``text`` has one paragraph per line, separated by blank lines, and holds the title near the top.
    """
    import trafilatura
    from lxml import etree
    from lxml import html as lxml_html

    no_article = IngestError(
        f"{relpath}: no article text found (only navigation, cookie notices or other page furniture); "
        "save the article body as .txt or .md"
    )
    parser = lxml_html.HTMLParser()
    try:
        tree = lxml_html.document_fromstring(_XML_DECLARATION.sub("", html, count=1), parser=parser)
    except (etree.ParserError, ValueError):
        raise no_article from None  # lxml parses almost anything: this means no elements at all
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        # libxml2 stops reading elements nested deeper than 255 levels: say so rather than "no article".
        no_article = IngestError(
            f"{relpath}: the page nests its elements too deeply to be read (more than 255 levels); "
            "save the article body as .txt or .md"
        )
    _drop_boilerplate(tree)
    title = _page_title(tree)
    # No metadata: its date search (htmldate + dateparser) costs seconds and only the title is needed.
    result = trafilatura.bare_extraction(
        tree, with_metadata=False, include_comments=False, include_tables=True, include_images=False,
    )
    body = (getattr(result, "text", None) or "").strip() if result is not None else ""
    if not body:
        raise no_article
    paragraphs = [line.strip() for line in body.split("\n") if line.strip()]
    if title and title not in paragraphs[:3]:
        paragraphs.insert(0, title)
    return title or paragraphs[0], "\n\n".join(paragraphs) + "\n"


def _page_title(tree: HtmlElement) -> str:
    """The headline: the first <h1>, else og:title, else <title> without the site name."""
    for element in tree.xpath("//h1"):
        text = _squeeze(element.text_content())
        if text:
            return text
    for content in tree.xpath("//meta[@property='og:title' or @name='twitter:title']/@content"):
        if _squeeze(content):
            return _squeeze(content)
    for element in tree.xpath("//title"):
        text = _squeeze(element.text_content())
        if text:
            parts = _TITLE_SEPARATOR.split(text)
            return max(parts, key=len) if len(parts) > 1 else text
    return ""


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _drop_boilerplate(tree: HtmlElement) -> None:
    doomed = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _BOILERPLATE_TAGS:
            doomed.append(element)
        elif element.tag in _PAGE_FRAME_TAGS and not _inside_article(element):
            doomed.append(element)
        elif element.tag not in ("html", "body", "main", "article") and _named_boilerplate(element):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _inside_article(element: HtmlElement) -> bool:
    return any(parent.tag == "article" for parent in element.iterancestors())


def _named_boilerplate(element: HtmlElement) -> bool:
    if (element.get("role") or "").lower() in _BOILERPLATE_ROLES:
        return True
    names = f"{element.get('id') or ''} {element.get('class') or ''}".lower()
    return not _BOILERPLATE_WORDS.isdisjoint(_NAME_SPLIT.split(names))
