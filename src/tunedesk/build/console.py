"""The build summary on the console: examples per split and kind, tokens, what was left out, the paths."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from tunedesk.progress import print_paths

if TYPE_CHECKING:
    from tunedesk.build.stage import BuildSummary


def print_build(console: Console, summary: BuildSummary) -> None:
    """Examples per split and kind, tokens, what was left out, and the paths written."""
    card = summary.card
    counts = card.get("counts", {})
    table = Table(title=f"build: {summary.tickets_in:,} cleaned tickets → examples", title_justify="left")
    table.add_column("split")
    for col in ("examples", *card.get("kinds", [])):
        table.add_column(col, justify="right")
    table.add_column("tokens", justify="right")
    for split in ("train", "val", "holdout"):
        kinds = counts.get("by_kind", {}).get(split, {})
        tokens = card.get("tokens", {}).get(split, {}).get("tokens")
        table.add_row(split, f"{counts.get('examples', {}).get(split, 0):,}",
                      *(str(kinds.get(k, 0)) for k in card.get("kinds", [])), f"{tokens:,}" if tokens else "-")
    console.print(table)
    if summary.dropped:
        console.print("left out: " + ", ".join(f"{k} {v}" for k, v in summary.dropped.most_common()))
    if summary.contradictions:
        facts = ", ".join(f"{k} {v}" for k, v in _count(summary.contradictions, "fact").most_common())
        action = "dropped" if card.get("contradiction_action") == "drop" else "flagged"
        console.print(f"answers contradicting current policy ({action}): {facts}")
    if card.get("missing_from_holdout"):
        console.print(f"[yellow]not in the held-out set:[/] {', '.join(card['missing_from_holdout'])}")
    if card.get("tokens_skipped"):
        console.print(f"[yellow]token statistics skipped:[/] {card['tokens_skipped']}")
    print_paths(console, summary.paths)


def _count(rows: list[dict[str, str]], key: str) -> Counter[str]:
    return Counter(row[key] for row in rows)
