"""After generation: split the answer, parse its ``[n]`` markers, check each sentence.

The implementation lives in :mod:`qa_assistant.citations`; this module is the
stable import path the engine and the ``check`` command use.
"""

from __future__ import annotations

from .citations.lexical import LexicalEvidence, lexical_evidence, terms
from .citations.markers import parse_markers, parse_markers_in, split_answer, strip_markers
from .citations.support import SupportChecker, Thresholds, is_no_claim

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
