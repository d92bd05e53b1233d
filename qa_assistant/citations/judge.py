"""The local LLM as a judge: "Does the source state this claim? yes/no" as a log-odds.

The prompt (the model's own chat template when its GGUF has one) ends where the
model would write its reply; one forward pass gives the next-token logits, and
the judge's score is ``log P(yes) - log P(no)`` summed over the spellings of
each word ("yes", " Yes", ...).  Nothing is sampled, so it works with
``Llama(..., logits_all=False)`` and costs one prompt evaluation per claim; the
sources come first so that the claims of one answer share the evaluated prefix.

llama.cpp must not run two things at once on one model: the judge takes the
lock the generator holds while it streams (so it must not be called from inside
a generation, on the same thread, or it waits forever).  The next generation
finds its own prompt no longer cached past the chat template's first tokens and
evaluates it again, as it would for any new question.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

SYSTEM = "You check claims against source text. Reply with one word: yes or no."
USER = ("Source:\n{sources}\n\n{question}Claim: {claim}\n\n"
        "Does the source state this claim? Answer yes or no.")


def _spellings(llama: Any, word: str) -> list[int]:
    ids: set[int] = set()
    for form in (word, word.capitalize(), " " + word, " " + word.capitalize()):
        tokens = llama.tokenize(form.encode("utf-8"), add_bos=False, special=False)
        if len(tokens) == 1:
            ids.add(int(tokens[0]))
    return sorted(ids)


class LLMJudge:
    """Scores claims with a loaded ``llama_cpp.Llama`` (any GGUF).

    ``system`` is the judge's instruction; ``ask`` scores any yes/no question put
    under it (the answering package asks whether sources answer a question).
    """

    def __init__(self, llama: Any, lock: threading.Lock | None = None, system: str = SYSTEM) -> None:
        self.llama = llama
        self.lock = lock or threading.Lock()
        self.system = system
        self._yes = _spellings(llama, "yes")
        self._no = _spellings(llama, "no")
        if not self._yes or not self._no:
            raise ValueError("the model's vocabulary has no single-token yes/no")
        self._format = self._formatter()

    def _formatter(self) -> Any:
        metadata = getattr(self.llama, "metadata", None) or {}
        template = metadata.get("tokenizer.chat_template")
        if not template:
            return None
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        def text(token: int) -> str:
            if token < 0:
                return ""
            return bytes(self.llama.detokenize([token], special=True)).decode("utf-8", "replace")

        return Jinja2ChatFormatter(template=template, eos_token=text(self.llama.token_eos()),
                                   bos_token=text(self.llama.token_bos()), add_generation_prompt=True)

    def prompt(self, claim: str, sources: Sequence[str], question: str | None = None) -> str:
        from ..answering.llm import neutralise_special_tokens

        user = USER.format(sources="\n".join(neutralise_special_tokens(s) for s in sources),
                           question=f"Question: {neutralise_special_tokens(question)}\n" if question else "",
                           claim=neutralise_special_tokens(claim))
        return self.render(user)

    def render(self, user: str) -> str:
        """The whole prompt for one user message under the judge's instruction, ending where the reply starts."""
        if self._format is None:
            return f"{self.system}\n\n{user}\nAnswer:"
        messages = [{"role": "system", "content": self.system}, {"role": "user", "content": user}]
        return str(self._format(messages=messages).prompt)

    def ask(self, user: str) -> float:
        """log P(yes) - log P(no) as the reply to ``user`` (already formatted, special tokens neutralised)."""
        with self.lock:
            return self._score(self.render(user))

    def log_odds(self, claim: str, sources: Sequence[str], question: str | None = None) -> float:
        """log P(yes) - log P(no) for "the sources state ``claim``"."""
        return self.log_odds_many([claim], sources, question)[0]

    def log_odds_many(self, claims: Sequence[str], sources: Sequence[str],
                      question: str | None = None) -> list[float]:
        """The log-odds of several claims against the same sources (one prefix, evaluated once)."""
        if not claims:
            return []
        with self.lock:
            return [self._score(self.prompt(c, sources, question)) for c in claims]

    def _score(self, prompt: str) -> float:
        llama = self.llama
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        limit = llama.n_ctx() - 1
        if len(tokens) > limit:  # keep the question and claim, cut the sources' middle
            tokens = tokens[: limit // 2] + tokens[-(limit - limit // 2):]
        cached = list(llama.input_ids[: llama.n_tokens])
        same = 0
        for a, b in zip(cached, tokens[:-1], strict=False):
            if a != b:
                break
            same += 1
        llama.n_tokens = same
        llama.eval(tokens[same:])
        from llama_cpp import llama_get_logits

        logits = np.ctypeslib.as_array(llama_get_logits(llama.ctx), shape=(llama.n_vocab(),))
        yes = float(np.logaddexp.reduce(logits[self._yes]))
        no = float(np.logaddexp.reduce(logits[self._no]))
        return yes - no
