"""Citations of an answer: markers, lexical evidence, support scores and verdicts.

This package's top level is its API: the engine, the ``check`` command and the
tests import from here, not from the modules inside.
"""

from __future__ import annotations

from .lexical import LexicalEvidence, lexical_evidence, terms
from .markers import parse_markers, parse_markers_in, split_answer, strip_markers
from .support import SupportChecker, Thresholds, is_no_claim

__all__ = [
    "LexicalEvidence",
    "SupportChecker",
    "Thresholds",
    "is_no_claim",
    "lexical_evidence",
    "parse_markers",
    "parse_markers_in",
    "split_answer",
    "strip_markers",
    "terms",
]
