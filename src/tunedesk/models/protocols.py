"""The slice of the Hugging Face model and tokenizer interfaces that tunedesk calls, as typing Protocols.

transformers, torch and sentence-transformers ship type hints, but their classes are hard on a type checker (every
unknown attribute of an `nn.Module` reads as a Tensor, so `model.generate` looks like one). An object enters
tunedesk as one of these protocols where a loader gets it from the library (`typing.cast` in models/base.py,
models/run.py, models/embed.py and the qlora loader in train/setup.py) and keeps that type everywhere after.
Nothing here is checked at run time, and nothing heavy is imported: the library types are named for the type
checker only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from os import PathLike
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, overload

if TYPE_CHECKING:
    import numpy as np
    import torch
    from numpy.typing import NDArray
    from transformers import BatchEncoding


class Decoder(Protocol):
    """Token ids back to text: all a reply needs of its tokenizer (llama.cpp's detokenizer has this shape too)."""

    def decode(self, token_ids: list[int], skip_special_tokens: bool = ...) -> str:
        """The text of the tokens."""
        ...


class Tokenizer(Decoder, Protocol):
    """A transformers tokenizer (`PreTrainedTokenizerBase`) as tunedesk uses it: chat templates, batches of token
    ids (as tensors for generation, as lists for counting), special tokens, and saving with a model."""

    eos_token: str | None
    eos_token_id: int | None
    pad_token: str | None
    pad_token_id: int | None
    unk_token_id: int | None
    chat_template: str | None
    all_special_tokens: list[str]

    def apply_chat_template(self, conversation: list[dict[str, str]], *, tokenize: Literal[False],
                            add_generation_prompt: bool = ..., chat_template: str | None = ...) -> str:
        """The conversation as the chat template writes it (tunedesk always asks for text, not ids)."""
        ...

    # Token ids of a text or a batch: tensors for generation, lists for counting.
    @overload
    def __call__(self, text: str | list[str], *, return_tensors: Literal["pt"], add_special_tokens: bool = ...,
                 padding: bool = ..., padding_side: Literal["left", "right"] | None = ...,
                 ) -> BatchEncoding[torch.Tensor]: ...

    @overload
    def __call__(self, text: list[str], *, add_special_tokens: bool = ...,
                 return_attention_mask: bool | None = ...) -> BatchEncoding[list[list[int]]]: ...

    @overload
    def __call__(self, text: str, *, add_special_tokens: bool = ...) -> BatchEncoding[list[int]]: ...

    # With offsets, input_ids are ints and offset_mapping (start, end) pairs: BatchEncoding has one value type.
    @overload
    def __call__(self, text: str, *, add_special_tokens: bool = ...,
                 return_offsets_mapping: Literal[True]) -> BatchEncoding[list[Any]]: ...

    def convert_tokens_to_ids(self, tokens: str) -> int:
        """The id of a token (the unknown token's id when the vocabulary lacks it)."""
        ...

    def save_pretrained(self, save_directory: str | PathLike[str]) -> tuple[str, ...]:
        """Write the tokenizer files into a folder; the paths written."""
        ...


class GeneratedBatch(Protocol):
    """What `generate(..., output_logits=True, return_dict_in_generate=True)` returns."""

    sequences: torch.Tensor
    """Prompt and reply token ids, one row per prompt."""
    logits: tuple[torch.Tensor, ...]
    """The raw next-token logits, one (batch, vocabulary) tensor per generated position."""


class CausalLM(Protocol):
    """A transformers causal language model (a `PreTrainedModel`, or a `PeftModel` around one) as tunedesk runs
    it: moved and put in eval mode, generating, scoring what it generated, and saving."""

    @property
    def device(self) -> torch.device:
        """Where its weights are."""
        ...

    def eval(self) -> Self:
        """Inference mode (no dropout); the model itself."""
        ...

    def to(self, target: str | torch.device | torch.dtype, /) -> Self:
        """The model moved to a device or cast to a dtype."""
        ...

    def parameters(self) -> Iterator[torch.nn.Parameter]:
        """Its weights."""
        ...

    # The options (max_new_tokens, sampling, stop ids, streamer, ...) are GenerationConfig's. With
    # return_dict_in_generate=True tunedesk always asks for output_logits=True too; without it the result is the
    # prompt and reply token ids alone.
    @overload
    def generate(self, *inputs: torch.Tensor, return_dict_in_generate: Literal[True],
                 **options: object) -> GeneratedBatch: ...

    @overload
    def generate(self, *inputs: torch.Tensor, return_dict_in_generate: Literal[False] = ...,
                 **options: object) -> torch.Tensor: ...

    def compute_transition_scores(self, sequences: torch.Tensor, scores: tuple[torch.Tensor, ...],
                                  normalize_logits: bool = ...) -> torch.Tensor:
        """The log-probability of each generated token, (batch, generated positions)."""
        ...

    def save_pretrained(self, save_directory: str, *, safe_serialization: bool = ...) -> None:
        """Write the weights and config into a folder."""
        ...


class TextTokenizer(Protocol):
    """Anything that turns one text into its token ids (under "input_ids"), as a transformers tokenizer does."""

    def __call__(self, text: str, *, add_special_tokens: bool, truncation: bool,
                 max_length: int) -> Mapping[str, list[int]]:
        """The text's input_ids."""
        ...


class WordPieceTokenizer(TextTokenizer, Protocol):
    """A BERT-style tokenizer (the MiniLM sentence model's): token ids, the vocabulary size, and the ids of [CLS]
    and [SEP]."""

    vocab_size: int
    cls_token_id: int
    sep_token_id: int


class SentenceModule(Protocol):
    """The first module of a sentence-transformers model: the Hugging Face encoder inside it."""

    @property
    def auto_model(self) -> torch.nn.Module:
        """The transformers encoder (a BertModel for MiniLM)."""
        ...


class SentenceModel(Protocol):
    """A sentence-transformers model (the packaged all-MiniLM-L6-v2): sentence embeddings, and its tokenizer and
    encoder for the static token table."""

    @property
    def tokenizer(self) -> WordPieceTokenizer:
        """The model's tokenizer."""
        ...

    def encode(self, sentences: list[str], *, batch_size: int, convert_to_numpy: Literal[True],
               show_progress_bar: bool) -> NDArray[np.float32]:
        """One embedding per sentence, as a (sentences, dimensions) array."""
        ...

    def __getitem__(self, index: int) -> SentenceModule:
        """The model's modules in order (transformer, pooling, normalisation)."""
        ...
