"""A tiny random Llama with the SmolLM2 tokenizer, saved as a model folder: training tests run in seconds."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tunedesk.models.base import cache_dir, load_tokenizer

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


def tiny_model_folder() -> Path:
    """A 2-layer, hidden-64 Llama (random weights, seed 0) in the test cache, created once per checkout."""
    target = cache_dir() / "models" / "tiny-llama"
    if (target / "config.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".tiny-llama.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "config.json").is_file():
            _write(target)
    return target


def _write(target: Path) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    # load_tokenizer returns the transformers tokenizer typed as tunedesk's Tokenizer protocol; the model config
    # needs its vocabulary size and bos id, which the protocol leaves out.
    tokenizer = cast("PreTrainedTokenizerBase", load_tokenizer("smollm2-135m"))
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    tmp = target.with_name(f".tiny-llama.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    tmp.rename(target)
