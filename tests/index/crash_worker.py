"""Index updates in a process that gets killed (fault injection for the crash tests).

    crash_worker.py point ARTICLES INDEX NAME [merge|rebuild]
        update the index from ARTICLES and SIGKILL this process at checkpoint NAME
        (one of qa_assistant.index.update.CHECKPOINTS, or "embed": while embedding);
        "merge" makes the update merge its delta into a new base, "rebuild" builds anew
    crash_worker.py loop ARTICLES_A ARTICLES_B INDEX
        print "ready", then update from B, A, B, A ... until killed (INDEX/../busy exists during each update)
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from index_helpers import HashEmbedder  # noqa: E402

from qa_assistant.config import Settings  # noqa: E402
from qa_assistant.index import compact  # noqa: E402
from qa_assistant.index.update import update_index  # noqa: E402
from qa_assistant.models import UpdateProgress  # noqa: E402


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crash_at(articles: Path, index: Path, point: str, how: str = "") -> None:
    if how == "merge":
        compact.DELTA_MIN = 0
    def checkpoint(name: str) -> None:
        if name == point:
            _die()

    def progress(event: UpdateProgress) -> None:
        if point == "embed" and event.stage == "embed":
            _die()

    update_index(Settings(articles_dir=articles, index_dir=index), HashEmbedder(), rebuild=how == "rebuild",
                 progress=progress, checkpoint=checkpoint)
    print("finished without reaching", point, flush=True)


def loop(first: Path, second: Path, index: Path) -> None:
    compact.DELTA_MIN = 20  # merges happen often, so random kills land in them too
    embedder = HashEmbedder()
    print("ready", flush=True)
    busy = index.parent / "busy"
    while True:
        for folder in (second, first):
            busy.touch()
            update_index(Settings(articles_dir=folder, index_dir=index), embedder)
            busy.unlink()


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "point":
        crash_at(Path(args[0]), Path(args[1]), args[2], *args[3:])
    else:
        loop(Path(args[0]), Path(args[1]), Path(args[2]))
