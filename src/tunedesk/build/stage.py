"""The build stage: cleaned tickets → examples (system prompt from the current policies, historical answers
checked against them, written targets for escalations, refusals and live-data questions) → leakage-free,
stratified splits → data/train.jsonl, val.jsonl, holdout.jsonl and a dataset card.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from tunedesk.build.augment import augment
from tunedesk.build.card import SPLITS, counts, token_stats, write_card
from tunedesk.build.examples import Built, ExampleBuilder
from tunedesk.build.precedents import with_precedents
from tunedesk.build.splits import Unit, assign_splits, clusters
from tunedesk.build.twins import near_twins
from tunedesk.models.base import ModelError, load_tokenizer
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.prompt.precedents import FILE_NAME
from tunedesk.prompt.system import SystemPrompt
from tunedesk.records import Example
from tunedesk.trainfile.rows import write_jsonl
from tunedesk.workspace import Workspace

KINDS = ("answer", "escalation", "refusal", "cannot_know")


@dataclass
class BuildSummary:
    """What one build produced."""

    tickets_in: int = 0
    examples: list[Example] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    contradictions: list[dict[str, str]] = field(default_factory=list)
    card: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape printed by `build --json`."""
        c = self.card.get("counts", {})
        return {"in": self.tickets_in, "kept": len(self.examples), "dropped": dict(self.dropped),
                "quarantined": 0, "examples": c.get("examples", {}), "by_kind": c.get("by_kind", {}),
                "contradictions": len(self.contradictions), "augmented": self.card.get("augmented", 0),
                "missing_from_holdout": self.card.get("missing_from_holdout", []), "paths": self.paths}


def run(ws: Workspace, reporter: Reporter | None = None) -> BuildSummary:
    """Build the training, validation and held-out files of the workspace from its cleaned tickets."""
    reporter = reporter or SilentReporter()
    started = datetime.now(UTC)
    cfg = ws.config.dataset
    policies = ws.policies()
    prompt = SystemPrompt.from_file(policies, ws.path(cfg.system_template), cfg.policy_facts)
    builder = ExampleBuilder(cfg, policies, prompt)
    summary = BuildSummary()
    with reporter.task("build examples", total=ws.store.count("clean_tickets", outcome="kept")) as task:
        for ticket, _info in ws.store.iter_clean("kept"):
            _add(summary, ticket.id, builder.build(ticket))
            task.advance()
    units = _units(summary.examples)
    groups = clusters(units, cfg.leakage_threshold)
    split_of, leakage = assign_splits(units, cfg, groups)
    summary.examples = _with_splits(summary.examples, split_of, cfg.augment.copies if cfg.augment.enabled else 0,
                                    cfg.seed)
    cluster_of = {u.ticket_id: key for key, members in groups.items() for u in members}
    summary.examples, index = with_precedents(summary.examples, cluster_of, cfg, policies.voice.sign_off)
    summary.paths = _write_files(ws, summary.examples)
    summary.paths["precedents"] = str(ws.output_dir("data") / FILE_NAME)
    index.save(ws.output_dir("data") / FILE_NAME)
    summary.card = _card(ws, summary, leakage)
    summary.paths.update(write_card(summary.card, ws.output_dir("data")))
    ws.store.record_stage_run("build", started, summary.as_dict())
    return summary


def _add(summary: BuildSummary, ticket_id: str, built: Built) -> None:
    summary.tickets_in += 1
    summary.examples += built.examples
    if built.dropped:
        summary.dropped[built.dropped] += 1
    summary.contradictions += [{"ticket_id": ticket_id, **asdict(c)} for c in built.contradictions]


def _units(examples: list[Example]) -> list[Unit]:
    """One unit per ticket: its stratum and its customer's words."""
    seen: dict[str, Unit] = {}
    for e in examples:
        if e.ticket_id not in seen:
            seen[e.ticket_id] = Unit(e.ticket_id, (e.category or "(none)", e.kind), e.customer_text)
    return list(seen.values())


def _with_splits(examples: list[Example], split_of: dict[str, str], copies: int, seed: int) -> list[Example]:
    out = []
    for e in examples:
        placed = e.model_copy(update={"split": split_of[e.ticket_id]})
        out.append(placed)
        if copies and placed.split == "train":
            out += augment(placed, copies, seed)
    return out


def _write_files(ws: Workspace, examples: list[Example]) -> dict[str, str]:
    folder = ws.output_dir("data")
    fmt = ws.config.dataset.format
    paths = {}
    for split in SPLITS:
        path = folder / f"{split}.jsonl"
        write_jsonl(path, (e for e in examples if e.split == split), fmt)
        paths[split] = str(path)
    return paths


def _card(ws: Workspace, summary: BuildSummary, leakage: dict[str, int]) -> dict[str, Any]:
    cfg, examples = ws.config.dataset, summary.examples
    categories = sorted({e.category or "(none)" for e in examples})
    holdout_categories = {e.category or "(none)" for e in examples if e.split == "holdout"}
    card: dict[str, Any] = {
        "name": ws.config.name, "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "policy_version": ws.policies().version, "format": cfg.format, "seed": cfg.seed,
        "tokenizer": ws.config.model.base, "tickets_in": summary.tickets_in, "kinds": list(KINDS),
        "categories": categories, "counts": counts(examples), "dropped": dict(summary.dropped),
        "contradiction_action": cfg.contradictions, "contradictions": summary.contradictions,
        "missing_from_holdout": sorted(set(categories) - holdout_categories),
        "augmented": sum(1 for e in examples if "augmented_from" in e.metadata),
        "leakage": leakage, "leakage_threshold": cfg.leakage_threshold, "config": cfg.model_dump(mode="json"),
        "near_twins": near_twins([(e.kind, e.messages[-1].content) for e in examples if e.split == "holdout"],
                                 [e.messages[-1].content for e in examples if e.split == "train"]),
    }
    try:
        card["tokens"] = token_stats(examples, load_tokenizer(ws.config.model.base))
    except ModelError as exc:
        card["tokens_skipped"] = str(exc)
    return card
