"""The dataset card: what was built, from what, and what was left out — JSON for machines, Markdown for people."""

from __future__ import annotations

import json
import random
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from tunedesk.models.protocols import Tokenizer
from tunedesk.records import Example

SPLITS = ("train", "val", "holdout")


def counts(examples: list[Example]) -> dict[str, Any]:
    """Examples by split, by split × kind and by split × category."""
    by_kind: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    by_category: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    for e in examples:
        by_kind[e.split or "train"][e.kind] += 1
        by_category[e.split or "train"][e.category or "(none)"] += 1
    return {
        "examples": {s: sum(by_kind[s].values()) for s in SPLITS},
        "by_kind": {s: dict(sorted(by_kind[s].items())) for s in SPLITS},
        "by_category": {s: dict(sorted(by_category[s].items())) for s in SPLITS},
    }


def token_stats(examples: list[Example], tokenizer: Tokenizer, sample: int = 10_000) -> dict[str, Any]:
    """Token counts per split with the target model's chat template: whole example and trained (target) part.

    Beyond `sample` examples a split is measured on a seeded random sample and the totals are scaled up (marked
    `sampled`); `tunedesk validate` counts every example exactly.
    """
    out: dict[str, Any] = {}
    for split in SPLITS:
        chosen = [e for e in examples if e.split == split]
        if not chosen:
            continue
        measured = random.Random(split).sample(chosen, sample) if len(chosen) > sample else chosen
        texts = [tokenizer.apply_chat_template([t.model_dump() for t in e.messages], tokenize=False) for e in measured]
        totals = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
        targets = [len(ids) for ids in tokenizer([e.target for e in measured], add_special_tokens=False)["input_ids"]]
        scale = len(chosen) / len(measured)
        stats = {**_summary(totals), "examples": len(chosen), "tokens": round(sum(totals) * scale),
                 "target_tokens": round(sum(targets) * scale), "target_mean": round(statistics.mean(targets), 1),
                 "trained_share": round(sum(targets) / max(1, sum(totals)), 3)}
        if scale > 1:
            stats["sampled"] = len(measured)
        out[split] = stats
    return out


def _summary(values: list[int]) -> dict[str, float | int]:
    ordered = sorted(values)
    return {"examples": len(values), "tokens": sum(values), "mean": round(statistics.mean(values), 1),
            "median": statistics.median(values), "p95": ordered[int(0.95 * (len(ordered) - 1))], "max": ordered[-1]}


def write_card(card: dict[str, Any], folder: Path) -> dict[str, str]:
    """Write data/card.json and data/card.md; return their paths."""
    json_path, md_path = folder / "card.json", folder / "card.md"
    json_path.write_text(json.dumps(card, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(card_markdown(card), encoding="utf-8")
    return {"card_json": str(json_path), "card_md": str(md_path)}


def card_markdown(card: dict[str, Any]) -> str:
    """The card as a page a person reads before training."""
    c = card["counts"]
    lines = [f"# Dataset card: {card['name']}", "",
             f"Built from {card['tickets_in']} cleaned tickets · policies version **{card['policy_version']}** · "
             f"format `{card['format']}` · seed {card['seed']} · tokenizer `{card['tokenizer']}`", "",
             "| split | examples | " + " | ".join(card["kinds"]) + " |", "|---|---:|" + "---:|" * len(card["kinds"])]
    for split in SPLITS:
        kinds = c["by_kind"][split]
        lines.append(f"| {split} | {c['examples'][split]} | " + " | ".join(str(kinds.get(k, 0)) for k in card["kinds"])
                     + " |")
    lines += ["", "## Categories", "", "| category | train | val | holdout |", "|---|---:|---:|---:|"]
    for category in card["categories"]:
        lines.append(f"| {category} | " + " | ".join(str(c["by_category"][s].get(category, 0)) for s in SPLITS) + " |")
    if card.get("missing_from_holdout"):
        lines += ["", f"Not in the held-out set (too few tickets): {', '.join(card['missing_from_holdout'])}"]
    lines += _tokens_section(card) + _dropped_section(card) + _leakage_section(card)
    return "\n".join(lines) + "\n"


def _tokens_section(card: dict[str, Any]) -> list[str]:
    stats = card.get("tokens") or {}
    if not stats:
        return ["", "## Tokens", "", f"Not computed: {card.get('tokens_skipped', 'no tokenizer')}"]
    lines = ["", "## Tokens (chat template of the target model)", "",
             "| split | examples | tokens | mean | median | p95 | max | target tokens |", "|---|" + "---:|" * 7]
    for split, s in stats.items():
        lines.append(f"| {split} | {s['examples']} | {s['tokens']:,} | {s['mean']} | {s['median']} | {s['p95']} | "
                     f"{s['max']} | {s['target_tokens']:,} |")
    return lines


def _dropped_section(card: dict[str, Any]) -> list[str]:
    lines = ["", "## Left out or flagged", ""]
    dropped = card.get("dropped") or {}
    lines += [f"- dropped, {reason}: {n}" for reason, n in dropped.items()] or ["- nothing dropped"]
    contradictions = card.get("contradictions") or []
    if contradictions:
        action = "dropped" if card["contradiction_action"] == "drop" else "kept and flagged"
        lines += ["", f"Historical answers contradicting the current policies ({len(contradictions)}, {action}):", "",
                  "| ticket | fact | answer says | policy says |", "|---|---|---|---|"]
        lines += [f"| {x['ticket_id']} | {x['fact']} | {x['claimed']} | {x['current']} |" for x in contradictions[:100]]
        if len(contradictions) > 100:
            lines.append(f"| … {len(contradictions) - 100} more in card.json | | | |")
    return lines


def _leakage_section(card: dict[str, Any]) -> list[str]:
    leak = card.get("leakage") or {}
    lines = ["", "## Leakage", "",
             f"{leak.get('clusters', 0)} clusters of near-duplicate customer messages (Jaccard ≥ "
             f"{card.get('leakage_threshold')}); {leak.get('tickets_in_shared_clusters', 0)} tickets share a "
             "cluster, and a cluster always lies in one split."]
    twins = card.get("near_twins") or {}
    if twins.get("share") is not None:
        kinds = ", ".join(f"{k} {100 * v['share']:.0f} % of {v['n']}" for k, v in twins["by_kind"].items())
        lines += ["", f"{100 * twins['share']:.1f} % of the held-out replies have a near-twin among the training "
                      f"replies (Jaccard ≥ {twins['threshold']} of {twins['shingle']}-character shingles): {kinds}. "
                      "The higher this is, the closer the nearest past reply (the retrieval baseline) comes to a "
                      "fine-tuned model."]
    return lines
