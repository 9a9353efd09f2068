"""Stage summaries as console tables: what happened and where the outputs are."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from tunedesk.build.stage import BuildSummary
    from tunedesk.clean.funnel import CleanSummary
    from tunedesk.ingest import IngestSummary


def print_ingest(console: Console, summary: IngestSummary) -> None:
    """The ingest counts per format, the totals, and the paths written."""
    table = Table(title="ingest", title_justify="left")
    for col in ("format", "records in", "tickets", "articles", "quarantined"):
        table.add_column(col, justify="left" if col == "format" else "right")
    for fmt, c in summary.by_format.items():
        if not c["in"]:
            continue
        table.add_row(fmt, f"{c['in']:,}", f"{c['tickets']:,}", f"{c['articles']:,}", f"{c['quarantined']:,}")
    console.print(table)
    t, a = summary.tickets, summary.articles
    console.print(f"tickets: {t.new:,} new, {t.updated:,} updated, {t.unchanged:,} unchanged · "
                  f"articles: {a.new:,} new, {a.updated:,} updated, {a.unchanged:,} unchanged")
    if summary.quarantined:
        reasons = ", ".join(f"{k} ×{v}" for k, v in summary.reasons.most_common(5))
        console.print(f"[yellow]{summary.quarantined:,} record(s) quarantined[/] ({reasons})")
    _paths(console, summary.paths)


def print_clean(console: Console, summary: CleanSummary) -> None:
    """The clean funnel, the per-category table, and the paths written."""
    funnel = Table(title="clean funnel", title_justify="left")
    funnel.add_column("step")
    funnel.add_column("tickets", justify="right")
    funnel.add_row("in", f"{summary.tickets_in:,}")
    funnel.add_row("with PII redacted", f"{summary.tickets_redacted:,}")
    for reason in summary.reasons():
        funnel.add_row(f"dropped: {reason}", f"{summary.dropped[reason]:,}")
    funnel.add_row("quarantined", f"{summary.quarantined:,}")
    funnel.add_row("[bold]kept[/]", f"[bold]{summary.kept:,}[/]")
    console.print(funnel)
    console.print(_category_table(summary))
    if summary.escalations:
        console.print("kept as escalations: " + ", ".join(f"{k} {v}" for k, v in summary.escalations.most_common()))
    if summary.redactions:
        console.print("redactions: " + ", ".join(f"{k} {v:,}" for k, v in summary.redactions.most_common()))
    if summary.stripped:
        console.print("stripped: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in summary.stripped.items()))
    _paths(console, summary.paths)


SHORT = {"no_agent_reply": "no reply", "low_csat": "csat", "multi_turn": "multi", "reply_too_long": "long",
         "non_answer": "non-ans", "duplicate": "dup", "near_duplicate": "near-dup"}


def _category_table(summary: CleanSummary) -> Table:
    reasons = summary.reasons()
    table = Table(title="per category (dropped by reason)", title_justify="left")
    table.add_column("category", no_wrap=True)
    for col in ["in", "kept", *reasons]:
        table.add_column(SHORT.get(col, col.replace("_", " ")), justify="right")
    for category, counts in sorted(summary.by_category.items()):
        table.add_row(category, *(str(counts.get(c, 0)) for c in ["in", "kept", *reasons]))
    return table


def _paths(console: Console, paths: dict[str, str]) -> None:
    for name, path in paths.items():
        console.print(f"  {name:<12} {path}", highlight=False)


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
    _paths(console, summary.paths)


def _count(rows: list[dict[str, str]], key: str) -> Counter[str]:
    return Counter(row[key] for row in rows)
