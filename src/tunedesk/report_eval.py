"""Evaluation summaries as console tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from tunedesk.eval.stage import EvalSummary


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _ece(calibration: dict[str, Any]) -> str:
    ece, found = calibration.get("ece"), calibration.get("thresholds") or {}
    if ece is None:
        return "-"
    cuts = ", ".join(f"{k} ≥ {v:.2f}" for k, v in found.items() if v is not None) or "no reliable threshold"
    return f"{ece:.3f} ({cuts})"


def print_eval(console: Console, result: EvalSummary) -> None:
    """Headline rates, then score shares per category, then the paths written."""
    s = result.summary
    head = Table(title=f"eval: {s['model']} on {s['n']} held-out tickets (judge: {s['judge']})", title_justify="left",
                 show_header=False)
    head.add_column("measure")
    head.add_column("value", justify="right")
    rows = [("score 3 (correct)", _pct(s["score_3"])), ("score 2 (partial)", _pct(s["score_2"])),
            ("score 1 (wrong)", _pct(s["score_1"])), ("policy accuracy", _pct(s["policy_accuracy"])),
            ("escalation precision", _pct(s["escalation_precision"])),
            ("escalation recall", _pct(s["escalation_recall"])),
            ("hallucination rate", _pct(s["hallucination_rate"])), ("refusal accuracy", _pct(s["refusal_accuracy"])),
            ("replies cut off", str(s["cut_off"])), ("held-out items / min", f"{s['items_per_min'] or 0:,.1f}"),
            ("confidence calibration error (ECE)", _ece(s.get("calibration", {}))),
            ("would be auto-sent (mode auto, cross-fitted)", _pct(s.get("auto_sent_share"))),
            ("auto-sent replies that are wrong", _pct(s.get("auto_sent_wrong_share")))]
    for label, value in rows:
        head.add_row(label, value)
    console.print(head)
    table = Table(title="per category", title_justify="left")
    for col in ("category", "n", "score 3", "score 2", "score 1"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for name, c in s["by_category"].items():
        table.add_row(name, str(c["n"]), _pct(c["score_3"]), _pct(c["score_2"]), _pct(c["score_1"]))
    console.print(table)
    for name, path in result.paths.items():
        console.print(f"  {name:<10} {path}", highlight=False)
