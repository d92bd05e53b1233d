"""``qa-assistant chat``: the Textual chat (also what plain ``qa-assistant`` opens).

Only click is imported here; Textual and the engine load inside the command, and
the models load in a worker after the first frame is on screen.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import build_settings, index_options, model_options, user_errors

if TYPE_CHECKING:
    from ..tui.app import QAApp


@click.command("chat")
@index_options
@model_options
@click.option("--resume", "resume", default=None, is_flag=False, flag_value="latest", metavar="[ID]",
              help="Continue a saved conversation of this index: the latest, or the one with this id.")
@click.option("--new", "new", is_flag=True, default=False,
              help="Start a new conversation (the default; overrides --resume).")
@click.option("--auto-update", is_flag=True, default=False,
              help="Update the index by itself when files in the articles folder change.")
@click.option("--no-watch", is_flag=True, default=False,
              help="Do not watch the articles folder for new or changed files.")
@user_errors
def chat(index_dir: Path | None = None, articles_dir: Path | None = None, model_path: Path | None = None,
         judge_model_path: Path | None = None, extractive: bool | None = None, resume: str | None = None, new: bool = False,
         auto_update: bool = False, no_watch: bool = False) -> None:
    """Chat with the articles: answers stream in, each sentence checked against its cited sources.

    Keys: F1 help, Ctrl+R update the index, Ctrl+O past conversations, Ctrl+S export an answer,
    Escape stop an answer, Ctrl+Q quit.
    """
    settings = build_settings(index_dir=index_dir, articles_dir=articles_dir, model_path=model_path,
                              judge_model_path=judge_model_path, extractive=extractive)
    from ..tui.app import QAApp

    app = QAApp(settings, resume=None if new else resume, auto_update=auto_update, watch=not no_watch,
                follow_index_articles=articles_dir is None)
    app.run()
    _exit_now_if_idle(app)


def _exit_now_if_idle(app: QAApp) -> None:
    """Skip the interpreter's slow teardown of the loaded model runtimes (seconds) after quitting.

    Everything is saved by then (conversations are written after each answer).  Only in
    a real terminal, and not while an index update is still finishing (it is allowed to end).
    """
    if app.updating or not sys.stdout.isatty():
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(app.return_code or 0)
