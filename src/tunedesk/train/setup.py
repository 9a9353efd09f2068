"""Hardware, dtype, base model and method: what a run trains on, decided before any data is loaded."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
import platform
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tunedesk.config.stages import TrainConfig
from tunedesk.errors import TunedeskError
from tunedesk.models.base import load_model, model_folder

if TYPE_CHECKING:
    from peft import LoraConfig

    from tunedesk.models.protocols import CausalLM


class TrainError(TunedeskError):
    """A training run cannot start or cannot go on."""


def device_kind() -> str:
    """cuda when a GPU is visible, else cpu."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_has_bf16() -> bool:
    """True when the CPU computes bf16 natively (avx512_bf16 or AMX); elsewhere bf16 is emulated and slow."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.machine() == "arm64"  # Apple silicon has bf16 units
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_dtype(setting: str) -> str:
    """`bf16` or `fp32` for this machine: auto picks bf16 where the hardware computes it natively."""
    import torch

    if setting != "auto":
        return setting
    if device_kind() == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_has_bf16() else "fp32"


def check_method(cfg: TrainConfig) -> None:
    """Refuse what cannot run here before anything is loaded (qlora needs a CUDA GPU and bitsandbytes)."""
    if cfg.method == "qlora":
        if device_kind() != "cuda":
            raise TrainError("train.method=qlora needs a CUDA GPU (bitsandbytes 4-bit kernels); this machine has "
                             "none. Use train.method=lora here, or run qlora on a GPU machine.")
        if importlib.util.find_spec("bitsandbytes") is None:
            raise TrainError("train.method=qlora needs bitsandbytes: pip install 'tunedesk[qlora]'")
    if cfg.method == "distill" and not (cfg.teacher.model or cfg.teacher.endpoint):
        raise TrainError("train.method=distill needs a teacher: set train.teacher.model (a local model) or "
                         "train.teacher.endpoint and train.teacher.model (an OpenAI-compatible server)")


def load_base(name: str, cfg: TrainConfig, dtype: str) -> CausalLM:
    """The base model in the training dtype; 4-bit NF4 for qlora. LoRA keeps its adapters in fp32 (PEFT's default)."""
    import torch

    torch_dtype = torch.bfloat16 if dtype == "bf16" else torch.float32
    if cfg.method == "qlora":
        from transformers import AutoModelForCausalLM, BitsAndBytesConfig

        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                   bnb_4bit_compute_dtype=torch.bfloat16)
        model = AutoModelForCausalLM.from_pretrained(str(model_folder(name)), quantization_config=quant,
                                                     dtype=torch.bfloat16, device_map={"": 0})
        return cast("CausalLM", model)
    if cfg.method == "full":
        torch_dtype = torch.float32  # full fine-tuning keeps fp32 master weights; compute runs under bf16 autocast
    return load_model(name, torch_dtype)


def peft_config(cfg: TrainConfig) -> LoraConfig | None:
    """The PEFT LoRA config for lora, qlora and distill; None for full fine-tuning."""
    if cfg.method == "full":
        return None
    from peft import LoraConfig

    targets: list[str] | str = cfg.lora.target_modules
    if targets == ["all-linear"]:
        targets = "all-linear"
    return LoraConfig(r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                      target_modules=targets, task_type="CAUSAL_LM", bias="none")


def accumulation(cfg: TrainConfig) -> int:
    """Micro-batches per optimizer step."""
    return max(1, math.ceil(cfg.batch_tokens / cfg.micro_batch_tokens))


def versions() -> dict[str, str]:
    """Package versions recorded with every run."""
    out = {"python": platform.python_version()}
    for name in ("tunedesk", "torch", "transformers", "peft", "trl", "accelerate", "datasets", "bitsandbytes"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
