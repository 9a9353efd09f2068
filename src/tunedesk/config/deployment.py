"""tunedesk.yaml section `deployment`: the hardware the model will be served on and its latency budget, read by
`tunedesk brief` to pick base-model candidates, a fine-tuning method and cost estimates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from tunedesk.config.base import Section

DeploymentTarget = Literal["cpu", "gpu-24gb", "gpu-80gb", "multi-gpu"]
SINGLE_GPU_TARGETS = ("gpu-24gb", "gpu-80gb")


class DeploymentConfig(Section):
    target: DeploymentTarget = "cpu"
    """Where the model will run: cpu (no GPU), gpu-24gb (one 24 GB GPU: L4, A10, RTX 4090), gpu-80gb (one 80 GB GPU:
    A100 or H100 80GB), or multi-gpu (several 80 GB GPUs)."""
    gpus: int | None = Field(None, ge=0, le=64)
    """Number of GPUs: 0 on cpu, 1 on gpu-24gb and gpu-80gb, 2 or more on multi-gpu; null takes that default (2 on
    multi-gpu)."""
    latency_p95_s: float = Field(10.0, gt=0, le=600)
    """Latency budget: the 95th-percentile seconds to write one reply of reply_tokens tokens after its prompt."""
    reply_tokens: int = Field(150, ge=1, le=8192)
    """Length of the reply the latency budget is for, in tokens."""
    cost_per_gpu_hour: float | None = Field(None, ge=0)
    """What one GPU-hour costs (on cpu: one machine-hour), in your currency; null leaves costs out of the brief."""

    @field_validator("gpus")
    @classmethod
    def _gpus_match_target(cls, gpus: int | None, info: ValidationInfo) -> int | None:
        target = info.data.get("target")
        if gpus is None or target is None:
            return gpus
        if target == "cpu" and gpus != 0:
            raise ValueError(f"deployment.gpus must be 0 (or null) with target cpu, got {gpus}")
        if target in SINGLE_GPU_TARGETS and gpus != 1:
            raise ValueError(f"deployment.gpus must be 1 (or null) with target {target}; use target multi-gpu "
                             f"for {gpus} GPUs")
        if target == "multi-gpu" and gpus < 2:
            raise ValueError(f"deployment.gpus must be 2 or more with target multi-gpu, got {gpus}")
        return gpus

    def gpu_count(self) -> int:
        """The number of GPUs, with the target's default when `gpus` is null."""
        if self.gpus is not None:
            return self.gpus
        return {"cpu": 0, "multi-gpu": 2}.get(self.target, 1)
