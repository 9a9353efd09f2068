"""The brief: what a training engagement decides before any compute is spent, written from the workspace's own
data and config — corpus inventory, deployment target, base-model selection, method, eval and gate, time and cost,
risks, and a phased plan — as reports/brief.md, brief.html and brief.json (the same facts).

A workspace that has not been ingested, cleaned or built yet still gets its brief: the sections that need those
stages say so and name the command that fills them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tunedesk.brief.catalogue import MEMORY_FORMULA, SPEED_FORMULA
from tunedesk.brief.estimates import phase_estimates
from tunedesk.brief.inventory import corpus_inventory, prompt_tokens, train_tokens
from tunedesk.brief.render import brief_html, brief_markdown
from tunedesk.brief.risks import data_risks
from tunedesk.brief.selection import (
    HEADROOM,
    Deployment,
    deployment_of,
    pick,
    recommend_method,
    selection_table,
    start_with,
)
from tunedesk.config.stages import GateConfig
from tunedesk.workspace import Workspace

KIND_METRICS = {
    "answer": "score 3/2/1 against the reference reply, policy accuracy, hallucination rate",
    "escalation": "escalation recall and precision (a ticket that must go to a human, does)",
    "refusal": "refusal accuracy (off-topic questions politely declined)",
    "cannot_know": "the model says it cannot see live data instead of inventing it",
}


@dataclass
class BriefSummary:
    """The facts of one brief and the files written."""

    facts: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape printed by `brief --json`: the headline facts and the paths."""
        f = self.facts
        return {"model": f["selection"]["pick"]["model"], "method": f["method"]["method"],
                "target": f["deployment"]["target"], "missing": f["missing"],
                "risks": {r["risk"]: r["level"] for r in f["risks"]}, "total_hours": f["estimates"]["total_hours"],
                "paths": self.paths}


def run(ws: Workspace, hub_cache: Path | None = None) -> BriefSummary:
    """Gather the brief's facts from the workspace and write reports/brief.md, brief.html and brief.json."""
    facts = brief_facts(ws, hub_cache)
    folder = ws.output_dir("reports")
    paths = {"brief_md": folder / "brief.md", "brief_html": folder / "brief.html", "brief_json": folder / "brief.json"}
    paths["brief_json"].write_text(json.dumps(facts, indent=2, default=str) + "\n", encoding="utf-8")
    paths["brief_md"].write_text(brief_markdown(facts), encoding="utf-8")
    paths["brief_html"].write_text(brief_html(facts), encoding="utf-8")
    return BriefSummary(facts, {k: str(v) for k, v in paths.items()})


def brief_facts(ws: Workspace, hub_cache: Path | None = None) -> dict[str, Any]:
    """Every fact of the brief, in the order the brief presents them."""
    inv = corpus_inventory(ws)
    prompt, prompt_basis = prompt_tokens(inv)
    dep = deployment_of(ws.config, prompt)
    rows = selection_table(ws.config, dep, ws.root, hub_cache)
    chosen = pick(rows)
    row = next(r for r in rows if r["name"] == chosen["model"])
    teacher = bool(ws.config.train.teacher.endpoint or ws.config.train.teacher.model)
    method = recommend_method(row, dep, train_tokens(inv), teacher, rows)
    return {
        "name": ws.config.name, "workspace": str(ws.root),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "missing": inv["missing"], "inventory": inv,
        "deployment": _deployment_facts(ws, dep, prompt_basis),
        "selection": {"rows": rows, "pick": chosen, "start_with": start_with(rows, chosen["model"]),
                      "headroom": HEADROOM, "formulas": {"memory": MEMORY_FORMULA, "speed": SPEED_FORMULA}},
        "method": method,
        "evaluation": _evaluation_facts(ws, inv),
        "estimates": phase_estimates(ws.root, ws.config, inv, dep, chosen["model"], method["method"]),
        "risks": data_risks(inv),
        "plan": phased_plan(ws, chosen["model"], method["method"]),
    }


def _deployment_facts(ws: Workspace, dep: Deployment, prompt_basis: str) -> dict[str, Any]:
    d = ws.config.deployment
    return {"target": d.target, "hardware": dep.target.hardware, "gpus": dep.gpus,
            "memory_gb": dep.memory_gb, "bandwidth_gb_s": dep.target.bandwidth_gb_s, "tflops": dep.target.tflops,
            "latency_p95_s": d.latency_p95_s, "reply_tokens": d.reply_tokens, "prompt_tokens": dep.prompt_tokens,
            "prompt_basis": prompt_basis, "cost_per_gpu_hour": d.cost_per_gpu_hour}


def _evaluation_facts(ws: Workspace, inv: dict[str, Any]) -> dict[str, Any]:
    card = inv.get("card") or {}
    held_out = ((card.get("by_kind_split") or {}).get("holdout")) or {}
    gate = ws.config.gate
    criteria = [{"key": f"gate.{name}", "value": getattr(gate, name), "meaning": f.description or ""}
                for name, f in GateConfig.model_fields.items()]
    return {"judge": ws.config.eval.judge, "limit": ws.config.eval.limit,
            "baselines": ["retrieval (the reply of the most similar training ticket)", "base (the untuned model)"],
            "tasks": [{"kind": k, "held_out": held_out.get(k), "measures": m} for k, m in KIND_METRICS.items()],
            "gate": criteria}


def phased_plan(ws: Workspace, model: str, method: str) -> list[dict[str, str]]:
    """The engagement's phases, each with its commands and what lets it move on."""
    w = f"-w {ws.root}"
    gate = ws.config.gate
    train = f"tunedesk train {w} train.method={method}" if method in ("lora", "qlora", "full", "distill") else \
        f"tunedesk train {w}"
    return [
        {"phase": "1. brief", "commands": f"tunedesk brief {w}",
         "exit": "the support lead signs off the target, the model, the gate, and the high risks' fixes"},
        {"phase": "2. calibration", "commands": f"{train} --calibrate",
         "exit": f"the forecast score 3 of the full run clears gate.min_score_3 ({gate.min_score_3:.0%}) on the "
                 "validation split; else change the data, the model or the method first"},
        {"phase": "3. full run", "commands": f"{train}; tunedesk eval {w} --model latest; tunedesk report {w}; "
                                             f"tunedesk promote latest {w}",
         "exit": f"the gate passes on the held-out set ({model} beats the nearest past reply and the base)"},
        {"phase": "4. shadow", "commands": f"tunedesk serve {w} serve.mode=shadow serve.rollout_percent=100",
         "exit": "a week of logged replies reviewed by agents (`tunedesk review export`), no new failure kind"},
        {"phase": "5. staged rollout", "commands": f"tunedesk serve {w} serve.mode=approve "
                                                   "serve.rollout_percent=10 (then 25, 50, 100)",
         "exit": "approval and edit rates hold at each step; `tunedesk drift` and `tunedesk rollback` stand ready"},
    ]
