"""Articles and helpers of the chat tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa_assistant.config import Settings, load_settings

FILLER = (
    "Residents filled the hall for the annual meeting of the harbour district. "
    "Speakers discussed parking, ferry timetables and the state of the old fish market. "
    "Several people asked for more benches along the promenade."
)

ARTICLES = {
    "harbour-bridge.txt": (
        "Port Elwood approves harbour bridge\n\n"
        "The Port Elwood city council voted on Tuesday to build a new bridge across the harbour. "
        "The bridge will cost 42 million dollars and construction begins in March. "
        "Mayor Dana Whitfield said the bridge would cut commuting times by twenty minutes.\n\n"
        "Opponents argued that the money should go to schools instead. "
        "The council rejected their motion by seven votes to two.\n"
    ),
    "science/glacier.md": (
        "# Valdren glacier retreats faster\n\n"
        "Scientists from the University of Norrvik measured the Valdren glacier this summer. "
        "The glacier retreated by 30 metres in a single year, the fastest rate ever recorded there. "
        "Lead researcher Ingrid Solberg said warmer winters were the main cause.\n"
    ),
    "sport/chess.html": (
        "<html><head><title>Okonkwo wins the chess final</title></head><body><article>"
        "<h1>Okonkwo wins the chess final</h1>"
        "<p>Mira Okonkwo won the national chess championship in Lagos on Sunday. "
        "She defeated the defending champion in a final game that lasted six hours.</p>"
        "<p>Okonkwo, who is nineteen, is the youngest player ever to win the title.</p>"
        "</article></body></html>"
    ),
    "harbour-meeting.txt": (
        "Harbour district meeting\n\n"
        + "\n\n".join(FILLER for _ in range(30))
        + "\n\nAt the very end of the meeting the treasurer confirmed that the lighthouse repair "
        "will cost 3.7 million crowns. The work starts after the winter storms.\n"
    ),
}

NEW_ARTICLE = (
    "orchard-festival.txt",
    "Kessingham apple festival breaks record\n\n"
    "The Kessingham apple festival attracted 12,000 visitors this weekend, a record for the village. "
    "Organisers said the cider tent ran out of glasses by noon on Saturday.\n",
)

TERMINAL = (120, 40)


def write_articles(root: Path, articles: dict[str, str] = ARTICLES) -> Path:
    for relpath, text in articles.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def make_settings(articles: Path, index: Path, **changes: Any) -> Settings:
    settings = load_settings({"articles_dir": articles, "index_dir": index, "extractive": True},
                             environ={}, config_file=None)
    return settings.replace(**changes) if changes else settings


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Let the app run until ``condition()`` holds (fails the test after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or condition}")
        await pilot.pause(0.05)
    await pilot.pause()


async def ask(pilot: Any, question: str, timeout: float = 60.0) -> Any:
    """Type a question, press Enter and wait for the finished answer; returns its ExchangeView."""
    app = pilot.app
    await wait_for(pilot, lambda: app.ready, timeout, "the engine")
    before = len(app.chat.transcript.exchanges)
    app.chat.prompt.focus()
    app.chat.prompt.value = question  # typing key by key is slow under Pilot; Enter is a real key press
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(app.chat.transcript.exchanges) > before, 5, "the question")
    view = app.chat.transcript.exchanges[-1]
    await wait_for(pilot, lambda: view.done or view.has_class("-failed"), timeout, f"the answer to {question!r}")
    assert view.done, f"no answer to {question!r}: {view.query_one('.state').content}"
    return view
