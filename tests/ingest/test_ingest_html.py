"""Web pages: the article is extracted, the page around it (cookie banner, navigation, footer) is not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest_helpers import assert_offsets_contract, sentence_texts

from qa_assistant.config import Settings
from qa_assistant.ingest import parse_document
from qa_assistant.models import Document

Parse = Callable[..., Document]


def test_data_centre_page_drops_boilerplate_and_finds_title(samples_dir: Path, parse: Parse) -> None:
    doc = parse(samples_dir / "halden-data-centre.html")
    assert doc.title == "Halden Systems Opens $1.1 Billion Data Centre in Nordby, Promising 350 Jobs"
    assert doc.text.startswith(doc.title + "\n\n")
    for furniture in ["We use cookies", "Accept all cookies", "Manage preferences", "Subscribe from $1",
                      "Related stories", "Storberget wind farm to add 12 turbines", "Get the Courier Daily",
                      "All rights reserved", "Privacy policy", "Search the Courier"]:
        assert furniture not in doc.text, furniture
    assert "It is cooled with seawater drawn from the fjord" in doc.text
    assert "The site, built on a former paper mill, has a capacity of 48 megawatts and will house servers " \
           "for customers in Europe and the U.S., the company said." in sentence_texts(doc)
    assert_offsets_contract(doc)


def test_page_without_article_element_drops_consent_popup_and_sidebar(samples_dir: Path, parse: Parse) -> None:
    doc = parse(samples_dir / "corvane-rsv-vaccine-trial.html")
    assert doc.title.startswith("Nasal RSV Vaccine Cuts Hospital Admissions by 71 Percent")
    for furniture in ["Your privacy matters", "143 partners", "Most read", "Five habits", "Advertisement",
                      "Share this article", "Health Desk Media Ltd", "Log in"]:
        assert furniture not in doc.text, furniture
    assert "The trial enrolled 4,812 volunteers at 37 sites in the U.S. and Canada during the 2024-25 " \
           "winter season." in sentence_texts(doc)
    assert_offsets_contract(doc)


def test_short_page_title_from_title_tag(settings: Settings) -> None:
    html = (b"<html><head><title>Bridge reopens</title></head><body>"
            b"<p>The bridge on Elm Road reopened on Monday after repairs that cost $2 million.</p></body></html>")
    doc = parse_document("bridge.htm", html, 0.0, settings)
    assert doc.title == "Bridge reopens"
    assert sentence_texts(doc) == ["Bridge reopens",
                                   "The bridge on Elm Road reopened on Monday after repairs that cost $2 million."]


def test_declared_charset_and_xml_declaration(settings: Settings) -> None:
    html = ('<?xml version="1.0" encoding="windows-1252"?>\n<html><head><meta charset="windows-1252">'
            "<title>Caf\u00e9 closes</title></head><body><article><h1>Caf\u00e9 closes</h1>"
            "<p>The caf\u00e9 on Rue Saint-Honor\u00e9 closed on Friday after 30 years, its owner said.</p>"
            "</article></body></html>").encode("cp1252")
    doc = parse_document("cafe.html", html, 0.0, settings)
    assert doc.title == "Caf\u00e9 closes"
    assert "Rue Saint-Honor\u00e9 closed" in doc.text


def test_headline_not_site_logo_and_title_without_site_name(settings: Settings) -> None:
    body = ("<p>The bridge on Elm Road reopened on Monday after repairs that cost $2 million, "
            "the city's roads department said in a statement.</p>")
    logo = f"<html><head><title>x</title></head><body><header><h1>The Courier</h1></header><article>" \
           f"<h1>Elm Road bridge reopens</h1>{body}</article></body></html>"
    assert parse_document("a.html", logo.encode(), 0.0, settings).title == "Elm Road bridge reopens"
    suffixed = f"<html><head><title>Elm Road bridge reopens after repairs | The Courier</title></head>" \
               f"<body>{body}</body></html>"
    doc = parse_document("b.html", suffixed.encode(), 0.0, settings)
    assert doc.title == "Elm Road bridge reopens after repairs"
    assert doc.text.startswith("Elm Road bridge reopens after repairs\n\nThe bridge on Elm Road")
    og = f'<html><head><meta property="og:title" content="Bridge on Elm Road reopens"></head><body>{body}</body></html>'
    assert parse_document("c.html", og.encode(), 0.0, settings).title == "Bridge on Elm Road reopens"
