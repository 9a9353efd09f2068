"""The corpus inventory of a workspace, from what exists: the store (tickets by source, period and category), the
clean funnel (kept and dropped with reasons, redactions), the dataset card (examples by kind, tokens) and the
stages' timings. What a stage has not produced yet is listed with the command that produces it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tunedesk.store import tables as t
from tunedesk.store.db import resolve_url
from tunedesk.workspace import Workspace


def missing_note(ws: Workspace, stage: str, what: str) -> dict[str, str]:
    """A section the brief cannot fill yet: what is missing and the command that fills it."""
    return {"section": what, "command": f"tunedesk {stage} -w {ws.root}"}


def store_exists(ws: Workspace) -> bool:
    """False for a SQLite store whose file has not been created yet (reading must not create it)."""
    url = make_url(resolve_url(ws.config.store.url, ws.root))
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return True
    return Path(url.database).is_file()


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON report written by a stage, or None when absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def corpus_inventory(ws: Workspace) -> dict[str, Any]:
    """Everything the brief knows about the corpus, with `missing` notes for what is not there yet."""
    inv: dict[str, Any] = {"missing": []}
    stored = _store_counts(ws) if store_exists(ws) else None
    if not stored or not stored["tickets"]:
        inv["missing"].append(missing_note(ws, "ingest", "tickets in the store"))
    inv["store"] = stored
    funnel = read_json(ws.root / "reports" / "clean_funnel.json")
    if funnel is None and stored:
        funnel = stored["last_runs"].get("clean")
    if funnel is None:
        inv["missing"].append(missing_note(ws, "clean", "the clean funnel (kept, dropped, redactions)"))
    inv["funnel"] = funnel
    card = read_json(ws.root / "data" / "card.json")
    if card is None:
        inv["missing"].append(missing_note(ws, "build", "the dataset card (examples by kind, tokens)"))
    inv["card"] = _card_facts(card) if card else None
    return inv


def _store_counts(ws: Workspace) -> dict[str, Any]:
    store = ws.store
    tk = t.tickets
    with store.engine.connect() as conn:
        by_source: dict[str, int] = {
            str(s): int(n) for s, n in conn.execute(select(tk.c.source, func.count()).group_by(tk.c.source))}
        by_category: dict[str | None, int] = {
            c: int(n) for c, n in conn.execute(select(tk.c.category, func.count()).group_by(tk.c.category))}
        months = Counter(d.strftime("%Y-%m") for (d,) in conn.execute(select(tk.c.created_at)) if d is not None)
    stage_runs = {s: store.last_stage_run(s) for s in ("ingest", "clean", "build")}
    return {
        "tickets": sum(by_source.values()), "articles": store.count("articles"),
        "quarantined": store.count("quarantine"),
        "by_source": dict(sorted(by_source.items())),
        "by_category": {(k or "(none)"): v for k, v in sorted(by_category.items(), key=lambda kv: -kv[1])},
        "by_month": dict(sorted(months.items())),
        "period": [min(months), max(months)] if months else None,
        "last_runs": {k: v for k, v in stage_runs.items() if v is not None},
        "stage_seconds": _stage_seconds(ws),
    }


def _stage_seconds(ws: Workspace) -> dict[str, float]:
    """Seconds the newest run of each data stage took in this workspace (measured)."""
    s = t.stage_runs
    found: dict[str, float] = {}
    with ws.store.engine.connect() as conn:
        rows = conn.execute(select(s.c.stage, s.c.started_at, s.c.finished_at).order_by(s.c.id)).all()
    for stage, started, finished in rows:
        if started is not None and finished is not None:
            found[stage] = round(abs((_naive(finished) - _naive(started)).total_seconds()), 1)
    return found


def _naive(value: Any) -> Any:
    return value.replace(tzinfo=None) if getattr(value, "tzinfo", None) else value


def _card_facts(card: dict[str, Any]) -> dict[str, Any]:
    """What the brief uses from the dataset card."""
    counts = card.get("counts") or {}
    by_kind: Counter[str] = Counter()
    for kinds in (counts.get("by_kind") or {}).values():
        by_kind.update(kinds)
    contradictions = card.get("contradictions") or []
    facts: dict[str, Counter[str]] = {}
    for c in contradictions:
        facts.setdefault(str(c.get("fact")), Counter())[str(c.get("claimed"))] += 1
    return {
        "examples": counts.get("examples") or {}, "by_kind": dict(by_kind),
        "by_kind_split": counts.get("by_kind") or {},
        "by_category": counts.get("by_category") or {}, "tokens": card.get("tokens") or {},
        "tokens_skipped": card.get("tokens_skipped"), "tokenizer": card.get("tokenizer"),
        "contradictions": len(contradictions), "contradiction_action": card.get("contradiction_action"),
        "contradicting_claims": {f: dict(v.most_common()) for f, v in facts.items()},
        "near_twin_share": (card.get("near_twins") or {}).get("share"),
        "missing_from_holdout": card.get("missing_from_holdout") or [], "dropped": card.get("dropped") or {},
    }


def train_tokens(inv: dict[str, Any]) -> int | None:
    """Tokens of the training split (chat template included), or None before build."""
    card = inv.get("card") or {}
    return (card.get("tokens") or {}).get("train", {}).get("tokens")


def prompt_tokens(inv: dict[str, Any], default: int = 800) -> tuple[int, str]:
    """The prompt length latency estimates use: the 95th-percentile example length of the card, else `default`."""
    stats = ((inv.get("card") or {}).get("tokens") or {})
    for split in ("holdout", "train"):
        if split in stats and stats[split].get("p95"):
            return int(stats[split]["p95"]), f"95th-percentile {split} example in the dataset card"
    return default, f"{default} tokens assumed (no dataset card yet)"
