"""Base-model selection: every catalogue model against the deployment target and its latency budget, the pick,
and the fine-tuning method for it, each with its reason."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunedesk.brief.catalogue import (
    CATALOGUE,
    TARGETS,
    Candidate,
    Licence,
    Target,
    by_name,
    decode_tokens_per_s,
    memory_gb,
    reply_seconds,
    serving_memory_gb,
)
from tunedesk.brief.local import folder_model, where_loadable
from tunedesk.config import Config
from tunedesk.validate.estimate import parameter_count

HEADROOM = 0.85
"""A method or a served model fits when it needs at most this share of the target's memory (longer batches,
fragmentation)."""
SMALL_MODEL = 0.5e9
"""At or below this size full fine-tuning is recommended wherever it fits: it learns faster than LoRA."""
FULL_MIN_TOKENS = 20_000_000
"""Training tokens from which full fine-tuning of a larger model is worth its memory (below: LoRA, less
overfitting)."""
METHODS = ("full", "lora", "qlora")
UNKNOWN_LICENCE = Licence("not in the catalogue", "unknown", "read the licence on the model's own card")


@dataclass(frozen=True)
class Deployment:
    """The configured target resolved to its hardware, with the prompt and reply lengths latency is judged on."""

    target: Target
    gpus: int
    latency_s: float
    reply_tokens: int
    prompt_tokens: int

    @property
    def memory_gb(self) -> float:
        """Memory usable by one model: one device, or all GPUs together (sharded) on multi-gpu."""
        return self.target.memory_gb * (self.gpus if self.target.name == "multi-gpu" else 1)


def deployment_of(config: Config, prompt_tokens: int) -> Deployment:
    """The deployment section of the config resolved against the catalogue's targets."""
    d = config.deployment
    return Deployment(TARGETS[d.target], d.gpu_count(), d.latency_p95_s, d.reply_tokens, prompt_tokens)


def candidate_row(c: Candidate, dep: Deployment, config: Config, root: Path, cache: Path | None) -> dict[str, Any]:
    """One line of the selection table: facts, memory per method, speed per target, fit and where it loads."""
    row: dict[str, Any] = {
        "name": c.name, "family": c.family, "hf_id": c.hf_id, "params": c.params, "licence": c.licence.name,
        "commercial": c.licence.commercial, "conditions": c.licence.conditions, "context": c.context,
        "chat_template": c.chat_template,
        "memory_gb": {m: memory_gb(c.params, m) for m in (*METHODS, "inference")},
        "serving_memory_gb": serving_memory_gb(c.params, dep.target),
        "tokens_per_s": {name: decode_tokens_per_s(c.params, t, max(2, dep.gpus) if name == "multi-gpu" else 1)
                         for name, t in TARGETS.items()},
        "reply_s": reply_seconds(c.params, dep.prompt_tokens, dep.reply_tokens, dep.target, dep.gpus),
        "loadable": where_loadable(c, config.model.base, root, cache),
    }
    row["why_not"] = _misfits(c, row, dep)
    row["fits"] = not row["why_not"]
    return row


def _misfits(c: Candidate, row: dict[str, Any], dep: Deployment) -> list[str]:
    reasons = []
    if row["serving_memory_gb"] > HEADROOM * dep.memory_gb:
        reasons.append(f"needs {row['serving_memory_gb']:g} GB to serve, over {HEADROOM:.0%} of {dep.memory_gb:g} GB")
    if row["reply_s"] > dep.latency_s:
        reasons.append(f"{row['reply_s']:g} s per reply, over the {dep.latency_s:g} s budget")
    if c.context < dep.prompt_tokens + dep.reply_tokens:
        reasons.append(f"context {c.context} is shorter than prompt and reply")
    return reasons


def selection_table(config: Config, dep: Deployment, root: Path, cache: Path | None = None) -> list[dict[str, Any]]:
    """Every catalogue model as a row of the selection table, smallest first, with the configured base when it is
    a model folder the catalogue does not know."""
    models = list(CATALOGUE)
    configured = configured_candidate(config.model.base, root)
    if configured is not None:
        models.append(configured)
    return [candidate_row(c, dep, config, root, cache) for c in sorted(models, key=lambda c: c.params)]


def configured_candidate(base: str, root: Path) -> Candidate | None:
    """`model.base` as a candidate when it is a model folder outside the catalogue (size from its config.json)."""
    if by_name(base) is not None or folder_model(base, root) is not None:
        return None
    path = Path(base).expanduser()
    path = path if path.is_absolute() else root / path
    params = parameter_count(str(path))
    if params is None:
        return None
    try:
        context = int(json.loads((path / "config.json").read_text(encoding="utf-8")).get("max_position_embeddings"))
    except (OSError, ValueError, TypeError, AttributeError):
        context = 0
    return Candidate(f"{path.name} (model.base)", "configured", str(base), float(params), UNKNOWN_LICENCE, context,
                     "the folder's own")


def pick(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The recommended base: the largest fitting model with a permissive licence, else with a conditional one."""
    for allowed in ("yes", "conditional"):
        fitting = [r for r in rows if r["fits"] and r["commercial"] == allowed]
        if fitting:
            chosen = max(fitting, key=lambda r: r["params"])
            kind = "a permissive licence" if allowed == "yes" else "a conditional licence (read its terms)"
            return {"model": chosen["name"], "reason": f"the largest model with {kind} that fits the target's "
                                                       f"memory and the latency budget ({chosen['reply_s']:g} s)"}
    smallest = min((r for r in rows if r["commercial"] in ("yes", "conditional")), key=lambda r: r["params"])
    return {"model": smallest["name"], "reason": "no catalogue model fits the latency budget on this target: the "
                                                 "smallest commercially usable one, to measure how far off it is"}


def start_with(rows: list[dict[str, Any]], chosen: str) -> dict[str, Any]:
    """What calibration can start with on this machine now: the pick if loadable, else the largest loadable fit."""
    by_name = {r["name"]: r for r in rows}
    if by_name[chosen]["loadable"]:
        return {"model": chosen, "from": by_name[chosen]["loadable"]}
    loadable = [r for r in rows if r["loadable"] and r["commercial"] != "no"]
    if not loadable:
        return {"model": None, "from": None}
    best = max(loadable, key=lambda r: (r["fits"], r["params"]))
    return {"model": best["name"], "from": best["loadable"]}


def recommend_method(row: dict[str, Any], dep: Deployment, tokens: int | None, teacher: bool,
                     rows: list[dict[str, Any]]) -> dict[str, Any]:
    """LoRA, QLoRA, full or distillation for the picked model, from the target, its size and the corpus size."""
    params, budget = row["params"], HEADROOM * dep.memory_gb
    fits = {m: row["memory_gb"][m] <= budget for m in METHODS}
    if dep.target.name == "cpu":
        fits["qlora"] = False  # bitsandbytes' 4-bit kernels need a GPU
    bigger = _latency_bound_teacher(row, rows, dep)
    if teacher and bigger:
        return {"method": "distill", "reason": f"the latency budget rules out {bigger}, which fits in memory: the "
                                               f"configured teacher writes the targets and {row['name']} learns them"}
    method, reason = _base_method(params, tokens, fits, row, budget)
    alternatives = [f"distill: the budget rules out {bigger}; configure train.teacher to let it write the targets"
                    ] if bigger and not teacher else []
    return {"method": method, "reason": reason, "alternatives": alternatives}


def _base_method(params: float, tokens: int | None, fits: dict[str, bool], row: dict[str, Any],
                 budget: float) -> tuple[str, str]:
    mem = row["memory_gb"]
    corpus = f"{tokens:,} training tokens" if tokens else "a corpus not built yet"
    if fits["full"] and params <= SMALL_MODEL:
        return "full", (f"at {params / 1e9:.2g}B parameters full fine-tuning learns faster than LoRA and its "
                        f"{mem['full']:g} GB fit in {budget:g} GB")
    if fits["full"] and tokens and tokens >= FULL_MIN_TOKENS:
        return "full", f"{corpus} are enough to move every weight, and {mem['full']:g} GB fit in {budget:g} GB"
    if fits["lora"]:
        why = (f"full fine-tuning needs {mem['full']:g} GB" if not fits["full"]
               else f"{corpus} are too few to move every weight without overfitting")
        return "lora", f"{why}; LoRA needs {mem['lora']:g} GB of the {budget:g} GB"
    if fits["qlora"]:
        return "qlora", (f"LoRA needs {mem['lora']:g} GB, over {budget:g} GB; QLoRA's 4-bit base needs "
                         f"{mem['qlora']:g} GB")
    return "none", f"no method fits {budget:g} GB: pick a smaller model or a larger target"


def _latency_bound_teacher(row: dict[str, Any], rows: list[dict[str, Any]], dep: Deployment) -> str | None:
    """The largest usable model at least 4× the pick that fits in memory but not in the latency budget."""
    found = [r for r in rows if r["params"] >= 4 * row["params"] and r["commercial"] != "no"
             and r["serving_memory_gb"] <= HEADROOM * dep.memory_gb and r["reply_s"] > dep.latency_s]
    return max(found, key=lambda r: r["params"])["name"] if found else None
