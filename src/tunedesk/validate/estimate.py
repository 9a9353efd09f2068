"""A training-time estimate for the hardware at hand: GPU peak FLOPs at a typical utilisation, or the CPU
throughput measured on this project's machines."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

GPU_PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0,
                   "RTX 4090": 165.0}
"""Dense bf16 peak per GPU model."""
UNKNOWN_GPU_TFLOPS = 100.0
MFU = 0.35
"""Model FLOPs utilisation a small fine-tuning run typically reaches."""
FLOPS_PER_TOKEN = {"lora": 4, "full": 6}
"""Training FLOPs per token in units of the parameter count N: forward 2N, backward 4N (full) or about 2N when
only the adapters need weight gradients (LoRA)."""
CPU_LORA_TOKENS_PER_S = 180.0
REFERENCE_PARAMS = 134_515_008
"""smollm2-135m, the embedded default, whose CPU throughput was measured."""
EMBEDDED_PARAMS = {"smollm2-135m": REFERENCE_PARAMS}
CPU_BASIS = ("about 180 tokens/s measured for tunedesk's LoRA training of the 135M default on 2 CPU cores "
             "(bench/train_throughput.py, fp32 on a CPU without native bf16), scaled by 135M/N; full fine-tuning "
             "assumed 6/4 slower")


def detect_gpu() -> str | None:
    """The name of the first CUDA GPU, or None on a CPU-only machine."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    return str(torch.cuda.get_device_name(0))


def gpu_peak_tflops(name: str) -> float:
    """The dense bf16 peak of a GPU by its device name (100 TFLOPs when the model is not in the table)."""
    upper = name.upper()
    for model in sorted(GPU_PEAK_TFLOPS, key=len, reverse=True):  # L40S before L4, A100 before A10
        if model in upper:
            return GPU_PEAK_TFLOPS[model]
    return UNKNOWN_GPU_TFLOPS


def parameter_count(model: str) -> int | None:
    """N for the estimate: known for the embedded models, computed from a model folder's config.json."""
    if model in EMBEDDED_PARAMS:
        return EMBEDDED_PARAMS[model]
    config = Path(model).expanduser() / "config.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return _decoder_parameters(data) if isinstance(data, dict) else None


def _decoder_parameters(cfg: dict[str, Any]) -> int | None:
    """Parameters of a Llama-style decoder (grouped-query attention, gated MLP) from its config."""
    try:
        hidden, layers, inner, vocab = (int(cfg[k]) for k in
                                        ("hidden_size", "num_hidden_layers", "intermediate_size", "vocab_size"))
        heads = int(cfg.get("num_attention_heads") or 1)
        kv_heads = int(cfg.get("num_key_value_heads") or heads)
        head_dim = int(cfg.get("head_dim") or hidden // heads)
    except (KeyError, TypeError, ValueError):
        return None
    attention = 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim
    per_layer = attention + 3 * hidden * inner + 2 * hidden
    embeddings = vocab * hidden * (1 if cfg.get("tie_word_embeddings", True) else 2)
    return layers * per_layer + embeddings + hidden


def training_time(tokens: int, params: int | None, gpu: str | None) -> dict[str, Any]:
    """Seconds to train on `tokens` tokens with LoRA (the default) and fully, labelled as an estimate."""
    if params is None:
        return {"label": "estimate", "available": False, "basis": "the model's parameter count is unknown"}
    if gpu:
        peak = gpu_peak_tflops(gpu)
        rate = peak * 1e12 * MFU
        seconds = {method: tokens * k * params / rate for method, k in FLOPS_PER_TOKEN.items()}
        basis = (f"{gpu}: {peak:g} TFLOPs dense bf16 peak at {MFU:.0%} utilisation, 4·N (LoRA) / 6·N (full) "
                 "FLOPs per token")
    else:
        lora_rate = CPU_LORA_TOKENS_PER_S * REFERENCE_PARAMS / params
        seconds = {method: tokens / lora_rate * k / FLOPS_PER_TOKEN["lora"] for method, k in FLOPS_PER_TOKEN.items()}
        basis = CPU_BASIS
    return {"label": "estimate", "available": True, "device": gpu or "cpu", "method": "lora",
            "seconds": round(seconds["lora"], 1), "full_seconds": round(seconds["full"], 1), "params": params,
            "tokens": tokens, "basis": basis}
