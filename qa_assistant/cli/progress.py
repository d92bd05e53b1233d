"""Progress of an index update on stderr, shared by ``index update|rebuild`` and the first ``ask``."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..models import UpdateProgress

_STAGE_LABELS = {"embed": "Indexing", "write": "Writing "}


class ProgressBars:
    """A click progress bar on stderr for the files indexed (the "embed" stage, which counts
    files), then one for writing.  Reading runs a few dozen files ahead of embedding and is
    not shown apart: two bars taking turns printed a line at every switch."""

    def __init__(self) -> None:
        self._stage = ""
        self._done = 0
        self._bar: Any = None

    def __call__(self, event: UpdateProgress) -> None:
        if event.stage not in _STAGE_LABELS:
            return
        if event.stage != self._stage:
            self.close()
            self._stage, self._done = event.stage, 0
            self._bar = click.progressbar(length=max(event.total, 1), label=_STAGE_LABELS[event.stage],
                                          file=sys.stderr, show_eta=event.stage == "embed")
        if event.done > self._done:
            self._bar.update(event.done - self._done)
            self._done = event.done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.render_finish()
            self._bar = None
