"""The index from the chat: status bar, new files noticed, Ctrl+R updates, starting without an index."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import ARTICLES, NEW_ARTICLE, TERMINAL, ask, make_settings, wait_for, wait_for_notification

pytestmark = pytest.mark.slow


def test_new_file_is_noticed_and_ctrl_r_makes_it_answerable(make_app: Any, private_index: tuple[Path, Path],
                                                           tmp_path: Path) -> None:
    articles, index = private_index
    settings = make_settings(articles, index, watch_debounce_ms=100)
    app = make_app(settings, watch=True)
    n = len(ARTICLES)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            bar = app.chat.status_bar
            await wait_for(pilot, lambda: app.ready and f"{n} articles" in bar.info_text, 60, "the index bar")
            assert "up to date" in bar.info_text
            assert "all-MiniLM-L6-v2" in bar.info_text and "extractive" in bar.info_text
            await pilot.pause(0.5)  # the watcher is running
            name, text = NEW_ARTICLE
            (articles / name).write_text(text, encoding="utf-8")
            await wait_for(pilot, lambda: "1 new/changed" in bar.info_text, 30, "the pending count")

            await pilot.press("ctrl+r")  # runs in a worker: the chat stays usable meanwhile
            await ask(pilot, "How fast did the glacier retreat?")
            updated = await wait_for_notification(pilot, "Index updated", 60)
            assert "1 added" in updated
            await wait_for(pilot, lambda: f"{n + 1} articles" in bar.info_text, 60, "the updated count")
            assert "up to date" in bar.info_text
            assert not app.updating
            view = await ask(pilot, "How many visitors came to the Kessingham apple festival?")
            assert "12,000 visitors" in view.answer.answer
            cited = {c.article for c in view.answer.citations if c.n in view.answer.sentences[0].citations}
            assert cited == {name}

    asyncio.run(scenario())


def test_auto_update_indexes_new_files_by_itself(make_app: Any, private_index: tuple[Path, Path]) -> None:
    articles, index = private_index
    app = make_app(make_settings(articles, index, watch_debounce_ms=100), watch=True, auto_update=True)
    n = len(ARTICLES)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            bar = app.chat.status_bar
            await wait_for(pilot, lambda: app.ready and f"{n} articles" in bar.info_text, 60, "the index bar")
            await pilot.pause(0.5)
            name, text = NEW_ARTICLE
            (articles / name).write_text(text, encoding="utf-8")
            await wait_for(pilot, lambda: f"{n + 1} articles" in bar.info_text, 60, "the automatic update")
            view = await ask(pilot, "How many visitors came to the Kessingham apple festival?")
            assert "12,000 visitors" in view.answer.answer

    asyncio.run(scenario())


def test_starts_without_an_index_says_how_to_build_it_and_ctrl_r_builds_it(make_app: Any, tmp_path: Path) -> None:
    from tui_helpers import write_articles

    articles = write_articles(tmp_path / "articles")
    index = tmp_path / "no-index-yet"
    app = make_app(make_settings(articles, index))

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            notice = app.chat.transcript.query_one("#notice")
            await wait_for(pilot, lambda: app.questions.index_missing, 30, "the missing index")
            text = str(notice.content)
            assert "No index yet" in text and "Ctrl+R" in text
            assert f"qa-assistant index update --index {index} --articles {articles}" in text
            assert "No index — Ctrl+R builds it" in app.chat.status_bar.info_text
            assert "Ctrl+R" in await wait_for_notification(pilot, "No index yet")
            # a question asked now waits for the index
            app.chat.prompt.value = "Who won the chess final?"
            await pilot.press("enter")
            view = app.chat.transcript.exchanges[-1]
            assert "press Ctrl+R" in str(view.query_one(".state").content)

            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: view.done, 90, "the index, the engine and the answer")
            assert "Okonkwo" in view.answer.answer
            assert f"{len(ARTICLES)} articles" in app.chat.status_bar.info_text
            assert "No index" not in str(notice.content)

    asyncio.run(scenario())


def test_without_articles_flag_the_chat_follows_the_folder_the_index_mirrors(make_app: Any, tui_index: Path,
                                                                             tui_articles: Path) -> None:
    from qa_assistant.config import sample_articles_dir

    settings = make_settings(sample_articles_dir(), tui_index)
    app = make_app(settings, follow_index_articles=True)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            bar = app.chat.status_bar
            await wait_for(pilot, lambda: "articles ·" in bar.info_text, 30, "the index bar")
            assert app.settings.articles_dir == tui_articles
            assert "up to date" in bar.info_text  # not "N new/changed" from the sample articles

    asyncio.run(scenario())


def test_an_update_from_the_chat_shares_the_cores_with_answers_until_it_ends(
        make_app: Any, private_index: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import qa_assistant.index as index_package

    articles, index = private_index
    app = make_app(make_settings(articles, index))
    real_update = index_package.update_index
    during: list[bool] = []

    def recording_update(*args: Any, **kwargs: Any) -> Any:
        during.append(app.backend.engine._cores_shared)  # what answers asked meanwhile would see
        return real_update(*args, **kwargs)

    monkeypatch.setattr(index_package, "update_index", recording_update)

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.ready, 60, "the engine")
            name, text = NEW_ARTICLE
            (articles / name).write_text(text, encoding="utf-8")
            await pilot.press("ctrl+r")
            await wait_for_notification(pilot, "Index updated", 60)
            assert during == [True]
            assert app.backend.engine._cores_shared is False

    asyncio.run(scenario())


def test_ctrl_r_progress_counts_files_forward_in_one_bar(make_app: Any, private_index: tuple[Path, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import qa_assistant.index.apply as apply

    monkeypatch.setattr(apply, "_GROUP_TEXTS", 40)  # reading and embedding take turns, as in a big folder
    articles, index = private_index
    for i in range(30):
        (articles / f"extra-{i:03d}.txt").write_text(
            f"Council report {i}\n\nThe council of district {i} met on Monday. It approved {i + 3} new "
            "bus routes.\n", encoding="utf-8")
    app = make_app(make_settings(articles, index))
    shown: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=TERMINAL, notifications=True) as pilot:
            bar = app.chat.status_bar
            await wait_for(pilot, lambda: app.ready and "30 new/changed" in bar.info_text, 60, "the pending count")
            real = bar.set_activity
            monkeypatch.setattr(bar, "set_activity", lambda text, **kw: (shown.append(text), real(text, **kw)))
            await pilot.press("ctrl+r")
            assert "30 added" in await wait_for_notification(pilot, "Index updated", 90)

    asyncio.run(scenario())
    counts = [int(t.split()[-2].split("/")[0]) for t in shown if t.startswith("Updating index: indexing")]
    assert counts and counts == sorted(counts) and counts[-1] == 30
    assert all(t.split("/")[-1] == "30 files" for t in shown if t.startswith("Updating index: indexing"))
    assert not any("reading" in t for t in shown)
