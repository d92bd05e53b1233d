"""The local LLM reads the best sources against the question: "Does the text answer this question?".

One forward pass over a short prompt (the two best source sentences and the
question) gives ``log P(yes) - log P(no)``, read by ``LLMJudge``.  It is only
asked when ``refusal.py`` holds weights fitted for the loaded model
(``bench/calibrate_refusal.py --model FILE``): on the packaged SmolLM2 the
answer carries no signal (SQuAD 2.0, 120 questions, AUROC 0.44), on
Qwen2.5-Coder-1.5B-Instruct it does (see ``refusal.py``).

Measured and not kept (``bench/compare_judges.py``, Qwen 1.5B, the refusal fit's
432 questions, 5-fold CV averaged over ten splits): "Is the answer to this
question stated in the text?" judges as this wording does (squad2 AUROC 0.860
against 0.862; unanswerable refused 0.299 against 0.316, hotpotqa answerable
refused 0.112 against 0.108); the four best sentences under their article
titles judge worse (AUROC 0.834 against 0.884 on the 90 questions judged before
it was stopped) at about four times the prompt (~8 s a question on one shared
core).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ModelLoadError
from .refusal import RefusalModel, refusal_for

if TYPE_CHECKING:
    from ..config import Settings
    from .llm import LocalLLM

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


def load_judge(settings: Settings, answering: LocalLLM | None, status: Callable[[str], None]
               ) -> tuple[RefusalModel, AnswerabilityJudge, LocalLLM | None] | None:
    """The refusal weights and the judge for an engine, and the judging model when it is one of its own.

    The ``judge_model_path`` GGUF judges, else the answering model when weights were fitted
    for it; None when neither applies (retrieval evidence alone decides).
    """
    from .llm import LocalLLM

    path = settings.judge_model_path
    judge_llm, own = answering, None
    if path is not None and (answering is None or answering.path.resolve() != path.resolve()):
        status("Loading the judging model…")
        try:
            judge_llm = own = LocalLLM.load(settings.replace(model_path=path))
        except ModelLoadError as exc:
            raise ModelLoadError(str(exc).replace("model_path", "judge_model_path", 1)) from None
    if judge_llm is None:
        return None
    refusal = refusal_for(judge_llm.name)
    if not refusal.uses_judge:
        if own is not None:
            own.close()
        if path is not None:
            raise ModelLoadError(f"judge_model_path {path}: no refusal weights are fitted for "
                                 f"{judge_llm.name}; run python bench/calibrate_refusal.py --model {path} "
                                 "--write, or unset judge_model_path")
        return None
    return refusal, AnswerabilityJudge(judge_llm.llama, judge_llm.lock), own
