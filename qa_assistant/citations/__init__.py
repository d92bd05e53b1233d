"""Citations of an answer: markers, lexical evidence, the verifier (features, head, LLM judge), verdicts.

This package's top level is its API: the engine, the ``check`` command and the
tests import from here, not from the modules inside.
"""

from __future__ import annotations

from .head import Head, VerifierFileError, head_for, load_heads
from .judge import LLMJudge
from .lexical import LexicalEvidence, lexical_evidence, terms
from .markers import parse_markers, parse_markers_in, split_answer, strip_markers
from .support import SupportChecker, Thresholds, checker_for, declines, is_no_claim

__all__ = [
    "Head",
    "LLMJudge",
    "LexicalEvidence",
    "SupportChecker",
    "Thresholds",
    "VerifierFileError",
    "checker_for",
    "declines",
    "head_for",
    "is_no_claim",
    "lexical_evidence",
    "load_heads",
    "parse_markers",
    "parse_markers_in",
    "split_answer",
    "strip_markers",
    "terms",
]
