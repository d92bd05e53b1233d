"""The local LLM reads the best sources against the question: "Does the text answer this question?".

One forward pass over a short prompt (the two best source sentences and the
question) gives ``log P(yes) - log P(no)``, read by ``LLMJudge``.  It is only
asked when ``refusal.py`` holds weights fitted for the loaded model
(``bench/calibrate_refusal.py --model FILE``): on the packaged SmolLM2 the
answer carries no signal (SQuAD 2.0, 120 questions, AUROC 0.44), on
Qwen2.5-Coder-1.5B-Instruct it does (see ``refusal.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

SYSTEM = "You decide whether a text answers a question. Reply with one word: yes or no."
USER = "Text:\n{sources}\n\nQuestion: {question}\n\nDoes the text answer this question? Answer yes or no."
SOURCES = 2
"""How many of the best-ranked source sentences the judge reads."""


class AnswerabilityJudge:
    """Log-odds that the given sources answer the question, from a loaded ``llama_cpp.Llama``."""

    def __init__(self, llama: Any, lock: threading.Lock | None = None) -> None:
        from ..citations import LLMJudge

        self._judge = LLMJudge(llama, lock, system=SYSTEM)

    def log_odds(self, question: str, sources: Sequence[str]) -> float:
        from .llm import neutralise_special_tokens

        text = "\n".join(neutralise_special_tokens(s) for s in sources[:SOURCES])
        return self._judge.ask(USER.format(sources=text, question=neutralise_special_tokens(question)))
