"""The base-model catalogue the brief chooses from: open-weights families and sizes with their licences, context
lengths and chat templates, the deployment targets' hardware, and the stated formulas for memory and speed.

Maintained by hand: a fact here (a licence, a parameter count) is checked against the model's card on its
publisher's page when a family is added. Parameter counts are the totals of the published weights, embeddings
included (cards round them: "135M", "8B"). Context lengths are the config's `max_position_embeddings`, what the
model reads without rope-scaling settings.

Last checked on 2026-12-07 against the publishers' cards, configs and licence texts (stored copies; no browser):
every licence name and commercial-use flag confirmed (Qwen2.5-3B is the one research-only licence); Llama-3.2-1B
corrected to 1.23B and Qwen2.5-7B to 32,768 tokens (131,072 only with YaRN rope scaling switched on). Not
confirmed in a publisher's own file: the licence of SmolLM2-1.7B-Instruct (its family is Apache-2.0), and the
exact Gemma 2 totals.
"""

from __future__ import annotations

from dataclasses import dataclass

GB = 1e9


@dataclass(frozen=True)
class Licence:
    """A model licence and what it says about commercial use."""

    name: str
    commercial: str
    """`yes`, `conditional` (allowed under stated conditions) or `no`."""
    conditions: str = ""


APACHE = Licence("Apache-2.0", "yes")
MIT = Licence("MIT", "yes")
LLAMA_31 = Licence("Llama 3.1 Community License", "conditional",
                   "commercial use allowed; a separate licence from Meta above 700M monthly active users; "
                   "\"Built with Llama\" attribution; Meta's acceptable-use policy; gated download")
LLAMA_32 = Licence("Llama 3.2 Community License", "conditional",
                   "commercial use allowed; a separate licence from Meta above 700M monthly active users; "
                   "\"Built with Llama\" attribution; Meta's acceptable-use policy; gated download")
GEMMA = Licence("Gemma Terms of Use", "conditional",
                "commercial use allowed; Google's prohibited-use policy applies and must be passed on to users "
                "of the model and its derivatives; gated download")
QWEN_RESEARCH = Licence("Qwen Research License", "no",
                        "research and non-commercial use only; commercial use needs a separate agreement with "
                        "Alibaba Cloud")


@dataclass(frozen=True)
class Candidate:
    """One open-weights base model (the instruct variant, which tunedesk fine-tunes)."""

    name: str
    family: str
    hf_id: str
    params: float
    """Total parameters."""
    licence: Licence
    context: int
    """Context length in tokens as published."""
    chat_template: str
    embedded: str | None = None
    """The name tunedesk loads without any download (`model.base`), when the model ships in a Python package."""


CATALOGUE: tuple[Candidate, ...] = (
    Candidate("SmolLM2-135M", "SmolLM2", "HuggingFaceTB/SmolLM2-135M-Instruct", 134.5e6, APACHE, 8192, "ChatML",
              embedded="smollm2-135m"),
    Candidate("SmolLM2-360M", "SmolLM2", "HuggingFaceTB/SmolLM2-360M-Instruct", 362e6, APACHE, 8192, "ChatML"),
    Candidate("SmolLM2-1.7B", "SmolLM2", "HuggingFaceTB/SmolLM2-1.7B-Instruct", 1.71e9, APACHE, 8192, "ChatML"),
    Candidate("Qwen2.5-0.5B", "Qwen2.5", "Qwen/Qwen2.5-0.5B-Instruct", 0.49e9, APACHE, 32768, "ChatML"),
    Candidate("Qwen2.5-1.5B", "Qwen2.5", "Qwen/Qwen2.5-1.5B-Instruct", 1.54e9, APACHE, 32768, "ChatML"),
    Candidate("Qwen2.5-3B", "Qwen2.5", "Qwen/Qwen2.5-3B-Instruct", 3.09e9, QWEN_RESEARCH, 32768, "ChatML"),
    Candidate("Qwen2.5-7B", "Qwen2.5", "Qwen/Qwen2.5-7B-Instruct", 7.61e9, APACHE, 32768, "ChatML"),
    Candidate("Llama-3.2-1B", "Llama 3.2", "meta-llama/Llama-3.2-1B-Instruct", 1.23e9, LLAMA_32, 131072, "Llama 3"),
    Candidate("Llama-3.2-3B", "Llama 3.2", "meta-llama/Llama-3.2-3B-Instruct", 3.21e9, LLAMA_32, 131072, "Llama 3"),
    Candidate("Llama-3.1-8B", "Llama 3.1", "meta-llama/Llama-3.1-8B-Instruct", 8.03e9, LLAMA_31, 131072, "Llama 3"),
    Candidate("Mistral-7B-v0.3", "Mistral", "mistralai/Mistral-7B-Instruct-v0.3", 7.25e9, APACHE, 32768,
              "Mistral [INST]"),
    Candidate("Gemma-2-2B", "Gemma 2", "google/gemma-2-2b-it", 2.61e9, GEMMA, 8192, "Gemma turns (no system role)"),
    Candidate("Gemma-2-9B", "Gemma 2", "google/gemma-2-9b-it", 9.24e9, GEMMA, 8192, "Gemma turns (no system role)"),
    Candidate("Phi-3.5-mini", "Phi-3.5", "microsoft/Phi-3.5-mini-instruct", 3.82e9, MIT, 131072, "Phi-3"),
)


@dataclass(frozen=True)
class Target:
    """The hardware of a deployment target, per device; the numbers are the stated assumptions of every estimate."""

    name: str
    hardware: str
    memory_gb: float
    """Memory per device (GPU memory, or RAM on cpu)."""
    bandwidth_gb_s: float
    """Memory bandwidth per device."""
    tflops: float
    """Dense bf16 peak per device (fp32 vector peak on cpu)."""
    bytes_per_param: float
    """Bytes per weight when serving: bf16 on GPUs, a 4-bit GGUF (Q4_K_M, about 4.5 bits) on cpu."""


TARGETS: dict[str, Target] = {
    "cpu": Target("cpu", "a 16-core server CPU with 32 GB RAM, served as a 4-bit GGUF (llama.cpp / Ollama)",
                  32, 50, 1.0, 0.5625),
    "gpu-24gb": Target("gpu-24gb", "one 24 GB GPU of the NVIDIA A10 class, bf16", 24, 600, 125, 2.0),
    "gpu-80gb": Target("gpu-80gb", "one 80 GB GPU of the NVIDIA A100-80GB class, bf16", 80, 2039, 312, 2.0),
    "multi-gpu": Target("multi-gpu", "several A100-80GB-class GPUs, tensor-parallel serving, bf16", 80, 2039, 312,
                        2.0),
}

# Training memory: bytes per parameter of what training keeps (ZeRO paper accounting), and the stated overheads.
TRAIN_BYTES = {"full": 16.0, "lora": 2.0, "qlora": 0.5625}
"""full: bf16 weights 2 + bf16 gradients 2 + fp32 master weights 4 + Adam moments 8; lora: the frozen bf16 base;
qlora: the frozen 4-bit NF4 base with its scales."""
INFERENCE_BYTES = 2.0
"""bf16 weights when serving with transformers or vLLM."""
ADAPTER_SHARE = 0.01
"""Trainable adapter parameters as a share of N (LoRA r=16 on the attention and MLP projections: 0.5–1 %)."""
ADAPTER_BYTES = 16.0
"""Bytes per trainable adapter parameter: fp32 weight, gradient and two Adam moments."""
OVERHEAD = 1.2
"""Activations (with gradient checkpointing, 2,048-token micro-batches), KV cache and fragmentation: +20 %."""
RUNTIME_GB = 1.0
"""The runtime itself (CUDA context, allocator pools)."""
DECODE_EFFICIENCY = {"cpu": 0.5, "gpu": 0.6}
"""Share of the memory bandwidth a single decoding stream reaches."""
PREFILL_MFU = 0.3
"""Share of the peak FLOPs reached while reading the prompt."""
TP_EFFICIENCY = 0.8
"""Per-GPU scaling of tensor-parallel decoding on multi-gpu."""

MEMORY_FORMULA = (f"memory (GB) = {OVERHEAD} × (bytes per parameter × N [+ {ADAPTER_SHARE:.0%} of N × "
                  f"{ADAPTER_BYTES:g} bytes for the adapters of LoRA and QLoRA]) / 1e9 + {RUNTIME_GB:g} GB; bytes "
                  "per parameter: full 16 (bf16 weights and gradients, fp32 master weights, Adam moments), LoRA 2 "
                  "(frozen bf16 base), QLoRA 0.5625 (4-bit NF4 base with scales), inference 2 (bf16)")
SPEED_FORMULA = ("decode tokens/s = efficiency × memory bandwidth / (bytes per weight × N) (every weight is read "
                 "once per generated token; efficiency 0.6 on GPUs, 0.5 on cpu; ×GPUs × 0.8 with tensor parallelism);"
                 " prompt seconds = 2 × N × prompt tokens / (peak FLOPs × 0.3); reply seconds = prompt seconds + "
                 "reply tokens / decode tokens/s. Small models are bound by per-token overhead instead, so their "
                 "figures are ceilings.")


def memory_gb(params: float, method: str) -> float:
    """Memory in GB to fine-tune (`full`, `lora`, `qlora`) or serve (`inference`) a model of `params` weights."""
    if method == "inference":
        weights = INFERENCE_BYTES * params
    elif method in TRAIN_BYTES:
        weights = TRAIN_BYTES[method] * params
        if method != "full":
            weights += ADAPTER_SHARE * params * ADAPTER_BYTES
    else:
        raise ValueError(f"unknown method {method!r}: full, lora, qlora or inference")
    return round(OVERHEAD * weights / GB + RUNTIME_GB, 2)


def decode_tokens_per_s(params: float, target: Target, gpus: int = 1) -> float:
    """Tokens per second one request is generated at on `target`: memory bandwidth over the bytes of the weights."""
    efficiency = DECODE_EFFICIENCY["cpu" if target.name == "cpu" else "gpu"]
    bandwidth = target.bandwidth_gb_s * GB
    if target.name == "multi-gpu":
        bandwidth *= max(1, gpus) * TP_EFFICIENCY
    return round(efficiency * bandwidth / (target.bytes_per_param * params), 1)


def prefill_seconds(params: float, prompt_tokens: int, target: Target, gpus: int = 1) -> float:
    """Seconds to read a prompt of `prompt_tokens` tokens on `target` (2·N FLOPs per token)."""
    flops = target.tflops * 1e12 * PREFILL_MFU * (max(1, gpus) if target.name == "multi-gpu" else 1)
    return 2 * params * prompt_tokens / flops


def reply_seconds(params: float, prompt_tokens: int, reply_tokens: int, target: Target, gpus: int = 1) -> float:
    """Seconds to answer one ticket: read the prompt, then generate `reply_tokens` tokens."""
    decode = decode_tokens_per_s(params, target, gpus)
    return round(prefill_seconds(params, prompt_tokens, target, gpus) + reply_tokens / decode, 2)


def serving_memory_gb(params: float, target: Target) -> float:
    """Memory to serve on `target` (4-bit GGUF on cpu, bf16 on GPUs), with the stated overheads."""
    return round(OVERHEAD * target.bytes_per_param * params / GB + RUNTIME_GB, 2)


def by_name(name: str) -> Candidate | None:
    """The catalogue entry for a model name, Hugging Face id or embedded name (case-insensitive)."""
    wanted = name.strip().lower().rstrip("/")
    for c in CATALOGUE:
        if wanted in {c.name.lower(), c.hf_id.lower(), (c.embedded or "").lower(), c.hf_id.split("/")[1].lower()}:
            return c
    return None
