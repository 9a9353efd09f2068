"""A GGUF file through llama-cpp-python (the `export` extra): the file `tunedesk export` makes, served on CPU.

The reply loop is tunedesk's own rather than `create_chat_completion`: llama-cpp-python 0.3 returns chat logprobs
only for a model loaded with `logits_all=True` (a n_ctx x vocabulary array of floats, gigabytes for a 128k
vocabulary) and leaves out the stop token's. Reading the last position's logits after each token gives the same
signal as eval (mean normalized log-probability, the stop token's included) at no memory cost.
"""

from __future__ import annotations

import codecs
import random
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, Protocol

from tunedesk.answer.backends import register
from tunedesk.answer.backends.base import BackendError, BackendTimeout, ModelSource, ReplySieve, cut_at_stop
from tunedesk.answer.backends.fit import fit_request
from tunedesk.answer.types import Completion, GenerationRequest
from tunedesk.config.serve import BackendConfig
from tunedesk.models.generate import Generated, reply_of

INSTALL_HINT = "pip install 'tunedesk[export]'"
N_CTX = 4096


def require_llama_cpp() -> Any:
    """The llama_cpp module, or a BackendError saying how to install it."""
    try:
        import llama_cpp
    except ImportError:
        raise BackendError(f"backend llamacpp needs llama-cpp-python: {INSTALL_HINT}") from None
    return llama_cpp


@register("llamacpp")
class LlamaCppBackend:
    """One GGUF model in llama.cpp, prompted through the chat template stored in the file."""

    name = "llamacpp"

    def __init__(self, gguf: Path, *, timeout_s: float = 30.0, n_ctx: int = N_CTX,
                 n_threads: int | None = None) -> None:
        if not gguf.is_file():
            raise BackendError(f"no GGUF file at {gguf} (serve.backend.model)")
        self.lib = require_llama_cpp()
        try:
            self.llm = self.lib.Llama(model_path=str(gguf), n_ctx=n_ctx, logits_all=False, n_threads=n_threads,
                                      verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise BackendError(f"llama.cpp cannot load {gguf}: {exc}") from None
        self.model_version = gguf.name
        self.timeout_s = timeout_s
        self.formatter = self._formatter(gguf)
        self.closed = False
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: BackendConfig, source: ModelSource) -> LlamaCppBackend:
        """Load the GGUF file named by the resolved model; a relative path is looked up in the workspace first."""
        gguf = Path(source.spec).expanduser()
        if not gguf.is_absolute() and (source.workspace_root / gguf).is_file():
            gguf = source.workspace_root / gguf
        return cls(gguf, timeout_s=cfg.timeout_s)

    def generate(self, request: GenerationRequest) -> Completion:
        """The whole reply, with eval's logprob mean and minimum."""
        *_, completion = self.stream(request)
        assert isinstance(completion, Completion)
        return completion

    def stream(self, request: GenerationRequest) -> Generator[str | Completion, None, None]:
        """Deltas as tokens are decoded, then the Completion."""
        if not self._lock.acquire(timeout=self.timeout_s):
            raise BackendTimeout(f"the model stayed busy for {self.timeout_s:g} s")
        try:
            if self.closed:
                raise BackendError("the llamacpp backend is closed")
            prompt = self._prompt(request)
            ids: list[int] = []
            logprobs: list[float] = []
            sieve, text = ReplySieve(request.stop), _GrowingText(self.llm)
            for token, logprob in self._tokens(prompt, request):
                ids.append(token)
                logprobs.append(logprob)
                delta = sieve.feed(text.extend(ids))
                if delta:
                    yield delta
                if sieve.stopped:
                    break
            completion = self._completion(len(prompt), ids, logprobs, request)
        finally:
            self._lock.release()
        rest = sieve.finish(completion.text)
        if rest:
            yield rest
        yield completion

    def close(self) -> None:
        """Free the model; later requests fail."""
        with self._lock:
            if not self.closed:
                self.closed = True
                self.llm.close()

    def _formatter(self, gguf: Path) -> Any:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self.llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise BackendError(f"{gguf.name} has no chat template; export it with `tunedesk export` to embed one")
        return Jinja2ChatFormatter(template=template, eos_token=self._token_text(self.llm.token_eos()),
                                   bos_token=self._token_text(self.llm.token_bos()))

    def _token_text(self, token: int) -> str:
        return self.llm.detokenize([token], special=True).decode("utf-8", errors="replace") if token >= 0 else ""

    def _prompt(self, request: GenerationRequest) -> list[int]:
        request = fit_request(request, lambda messages: len(self._tokenize(messages)), self.llm.n_ctx())
        prompt = self._tokenize(request.messages)
        if len(prompt) >= self.llm.n_ctx():
            raise BackendError(f"the conversation is {len(prompt)} tokens; the model's context is {self.llm.n_ctx()}")
        return prompt

    def _tokenize(self, messages: list[dict[str, str]]) -> list[int]:
        try:
            text = self.formatter(messages=messages).prompt
        except Exception as exc:  # a template may raise on roles it does not know
            raise BackendError(f"the chat template cannot render this conversation: {exc}") from None
        # As training rendered chats and as the export self-check reads them: the template writes any BOS itself.
        tokens: list[int] = self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        return tokens

    def _tokens(self, prompt: list[int], request: GenerationRequest) -> Iterator[tuple[int, float]]:
        """Generated tokens with their normalized log-probabilities, up to and including a stop token."""
        import numpy as np

        lib, llm, temperature = self.lib, self.llm, request.temperature
        vocab = lib.llama_model_get_vocab(llm.model)
        deadline = time.monotonic() + self.timeout_s
        limit = min(request.max_new_tokens, llm.n_ctx() - len(prompt))
        llm.set_seed(request.seed if request.seed is not None else random.randrange(2**31))
        # Greedy, or plain sampling at the temperature: the same choice eval's transformers generation makes.
        tokens = llm.generate(prompt, temp=temperature, top_k=0 if temperature > 0 else 1, top_p=1.0, min_p=0.0,
                              typical_p=1.0, repeat_penalty=1.0, reset=True)
        for count, token in enumerate(tokens, start=1):
            logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
            scaled = logits.astype(np.float64)  # the raw distribution, as eval scores it (temperature-free)
            top = scaled.max()
            yield int(token), float(scaled[token] - top - np.log(np.exp(scaled - top).sum()))
            if lib.llama_vocab_is_eog(vocab, token) or count >= limit:
                return
            if time.monotonic() > deadline:
                raise BackendTimeout(f"no reply within {self.timeout_s:g} s")

    def _completion(self, prompt_tokens: int, ids: list[int], logprobs: list[float],
                    request: GenerationRequest) -> Completion:
        vocab = self.lib.llama_model_get_vocab(self.llm.model)
        stops = [ids[-1]] if ids and self.lib.llama_vocab_is_eog(vocab, ids[-1]) else []
        reply: Generated = reply_of(_Detokenizer(self.llm), ids, logprobs, stops)
        text, stopped = cut_at_stop(reply.text, request.stop)
        return Completion(text=text, finish_reason="stop" if stopped or not reply.cut_off else "length",
                          prompt_tokens=prompt_tokens, completion_tokens=reply.tokens,
                          mean_logprob=reply.logprob_mean, min_logprob=reply.logprob_min)


class _Detokenizing(Protocol):
    """What the reply's text needs of a `llama_cpp.Llama`: token ids back to UTF-8 bytes."""

    def detokenize(self, tokens: list[int], special: bool = ...) -> bytes:
        """The bytes of the tokens, special tokens written out when `special`."""
        ...


class _Detokenizer:
    """llama.cpp's detokenizer in the shape eval's reply function expects of a tokenizer."""

    def __init__(self, llm: _Detokenizing) -> None:
        self.llm = llm

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        """The text of the tokens, special tokens left out."""
        text: str = self.llm.detokenize(ids, special=not skip_special_tokens).decode("utf-8", errors="replace")
        return text


class _GrowingText:
    """The reply's text as tokens arrive: the whole reply detokenized each time (a token alone can lose the space
    before it), with a character split across tokens held back until it is complete."""

    def __init__(self, llm: _Detokenizing) -> None:
        self.llm = llm
        self.seen = b""
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def extend(self, ids: list[int]) -> str:
        """The text the latest token added."""
        whole: bytes = self.llm.detokenize(ids)
        if not whole.startswith(self.seen):  # the detokenizer changed its mind about earlier text: skip it
            self.seen = whole
            return ""
        new, self.seen = whole[len(self.seen):], whole
        text: str = self.decoder.decode(new)
        return text
