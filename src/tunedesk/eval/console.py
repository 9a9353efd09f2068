"""Evaluations, the model registry and the promotion gate as console tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

SHOWN_PROBLEMS = 10

if TYPE_CHECKING:
    from tunedesk.eval.gate import GateResult
    from tunedesk.eval.grading import Graded
    from tunedesk.eval.human import Agreement, ReviewSheet
    from tunedesk.eval.stage import EvalSummary
    from tunedesk.store.model_registry import ModelVersion


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _ece(calibration: dict[str, Any]) -> str:
    ece, found = calibration.get("ece"), calibration.get("thresholds") or {}
    if ece is None:
        return "-"
    cuts = ", ".join(f"{k} ≥ {v:.2f}" for k, v in found.items() if v is not None) or "no reliable threshold"
    return f"{ece:.3f} ({cuts})"


MEASURES = (("score 3 (correct)", "score_3"), ("score 2 (partial)", "score_2"), ("score 1 (wrong)", "score_1"),
            ("policy accuracy", "policy_accuracy"), ("escalation precision", "escalation_precision"),
            ("escalation recall", "escalation_recall"),
            ("handed over needlessly: an escalated precedent shown", "needless_escalation_escalated_precedent"),
            ("handed over needlessly: none shown", "needless_escalation_other"),
            ("hallucination rate", "hallucination_rate"),
            ("refusal accuracy", "refusal_accuracy"), ("would be auto-sent (mode auto)", "auto_sent_share"),
            ("auto-sent replies that are wrong", "auto_sent_wrong_share"))


def print_eval(console: Console, result: EvalSummary) -> None:
    """The candidate beside its baselines on the same items (with 95 % intervals), the differences, score 3 per
    category, the calibration, then the paths written."""
    s = result.summary
    columns = {**(s.get("baselines") or {}), s["model"]: s}
    head = Table(title=f"eval: {s['model']} on {s['n']} held-out tickets, beside its baselines (judge: {s['judge']})",
                 title_justify="left")
    head.add_column("measure")
    for name in columns:
        head.add_column(name, justify="right")
    for label, key in MEASURES:
        head.add_row(label, *(_with_interval(c, key) for c in columns.values()))
    console.print(head)
    for name, versus in (s.get("vs_baselines") or {}).items():
        console.print(f"  vs {name}: score 3 {_delta(versus, 'score_3')}, score 1 {_delta(versus, 'score_1')} "
                      "(paired bootstrap, 95 %)", highlight=False)
    console.print(_category_table(s, columns))
    console.print(f"  confidence thresholds fitted on validation: {_ece(s.get('calibration', {}))} (ECE on held-out); "
                  f"{s['cut_off']} replies cut off; {s['items_per_min'] or 0:,.1f} held-out items / min",
                  highlight=False)
    if check := s.get("forecast_check"):
        console.print(f"  {_forecast_line(check)}", highlight=False)
    for name, path in result.paths.items():
        console.print(f"  {name:<10} {path}", highlight=False)


def _forecast_line(check: dict[str, Any]) -> str:
    """The calibration's forecast beside the run's measured validation score, or why they are not compared."""
    if not check["comparable"]:
        return f"calibration {check['calibration']}: not compared with this run ({check['why']})"
    low, high = check["forecast_score_3_ci"]
    loss = ""
    if check["forecast_val_loss"] is not None and check["measured_val_loss"] is not None:
        loss = f"; validation loss forecast {check['forecast_val_loss']:.3f}, measured {check['measured_val_loss']:.3f}"
    return (f"calibration {check['calibration']} forecast score 3 {_pct(check['forecast_score_3'])} "
            f"[{100 * low:.0f}–{100 * high:.0f}] on {check['items']} validation tickets; measured "
            f"{_pct(check['measured_score_3'])} ({100 * check['difference']:+.1f} pts, "
            f"{'inside' if check['inside_interval'] else 'outside'} the forecast's interval){loss}")


def _with_interval(summary: dict[str, Any], key: str) -> str:
    interval = summary.get(f"{key}_ci")
    shown = _pct(summary.get(key))
    return f"{shown} [{100 * interval[0]:.0f}–{100 * interval[1]:.0f}]" if interval else shown


def _delta(versus: dict[str, Any], key: str) -> str:
    delta, interval = versus.get(f"{key}_delta"), versus.get(f"{key}_delta_ci")
    if delta is None or not interval:
        return "-"
    return f"{100 * delta:+.1f} pts [{100 * interval[0]:+.1f}, {100 * interval[1]:+.1f}]"


def _category_table(s: dict[str, Any], columns: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="score 3 per category: does fine-tuning earn its keep here?", title_justify="left")
    table.add_column("category")
    table.add_column("n", justify="right")
    for name in columns:
        table.add_column(name, justify="right")
    for category, c in s["by_category"].items():
        table.add_row(category, str(c["n"]), *(_pct(((col.get("by_category") or {}).get(category) or {})
                                                     .get("score_3")) for col in columns.values()))
    return table


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def print_models(console: Console, versions: list[ModelVersion]) -> None:
    """Every registered version: status, kind, method and held-out scores."""
    if not versions:
        console.print("no model versions yet: `tunedesk eval --model RUN` registers a run as a candidate")
        return
    table = Table(title="model versions", title_justify="left")
    for name in ("version", "status", "kind", "method", "held-out n", "score 3", "score 1", "escalation recall"):
        table.add_column(name, justify="right" if name in ("held-out n", "score 3", "score 1",
                                                           "escalation recall") else "left")
    for v in versions:
        s = v.eval_summary
        style = "bold green" if v.status == "production" else ("dim" if v.status == "archived" else "")
        table.add_row(v.id, v.status, v.kind, v.method or "–", str(s.get("n", "–")), _share(s.get("score_3")),
                      _share(s.get("score_1")), _share(s.get("escalation_recall")), style=style)
    console.print(table)


def print_gate(console: Console, result: GateResult) -> None:
    """Each gate criterion with its value and threshold, then the decision."""
    table = Table(title=f"gate for {result.version}", title_justify="left")
    for name in ("criterion", "value", "required", "", "detail"):
        table.add_column(name)
    for c in result.criteria:
        value = c.value if isinstance(c.value, int) or c.value is None else _share(c.value)
        required = c.threshold if isinstance(c.threshold, int) or c.threshold is None else _share(c.threshold)
        table.add_row(c.name, str(value if value is not None else "–"), str(required if required is not None else
                      "–"), "[green]pass[/]" if c.passed else "[red]FAIL[/]", c.detail)
    console.print(table)
    if result.promoted:
        extra = f"; {result.archived} archived" if result.archived else ""
        console.print(f"[bold green]promoted[/]: {result.version} is the production model{extra}")
    else:
        failing = ", ".join(c.name for c in result.failing())
        console.print(f"[bold red]refused[/]: {result.version} stays a candidate — failing: {failing}")


def print_sheet(console: Console, sheet: ReviewSheet, workspace: Path, model: str) -> None:
    """Rows per category, the files written, and what to do next."""
    console.print(f"[bold]review sheet[/]: {sheet.rows} of {sheet.total} replies", highlight=False)
    table = Table()
    table.add_column("category")
    table.add_column("rows", justify="right")
    for category, count in sheet.by_category.items():
        table.add_row(category, str(count))
    console.print(table)
    if sheet.skipped_lines:
        console.print(f"  left out unreadable lines of replies.jsonl: {sheet.skipped_lines}", highlight=False)
    csv_path = escape(str(sheet.csv_path))
    console.print(f"  wrote [green]{csv_path}[/] (fill in human_score 3/2/1 and human_note)", highlight=False)
    console.print(f"  wrote [green]{escape(str(sheet.html_path))}[/] (for reading)", highlight=False)
    console.print(f"Next: [bold]tunedesk review import {csv_path} -w {escape(str(workspace))} --model "
                  f"{escape(model)}[/]", highlight=False)


def print_agreement(console: Console, agreement: Agreement) -> None:
    """Kappa and agreement, the confusion matrix, rows set aside, and the files written."""
    head = Table(title=f"judge against human grades: {agreement.model}", title_justify="left", show_header=False)
    head.add_column("measure")
    head.add_column("value", justify="right")
    for label, value in (("replies graded", str(agreement.n_graded)),
                         ("rows read", str(agreement.n_rows)),
                         ("raw agreement", _num(agreement.raw_agreement, percent=True)),
                         ("Cohen's kappa", _num(agreement.kappa)),
                         ("kappa, quadratic-weighted", _num(agreement.weighted_kappa)),
                         ("rows set aside", str(len(agreement.problems)))):
        head.add_row(label, value)
    console.print(head)
    console.print("judge score (rows) against human score (columns):")
    confusion = Table()
    confusion.add_column("judge \\ human")
    for grade in (1, 2, 3):
        confusion.add_column(str(grade), justify="right")
    for grade, counts in zip((1, 2, 3), agreement.confusion, strict=True):
        confusion.add_row(str(grade), *map(str, counts))
    console.print(confusion)
    for problem in agreement.problems[:SHOWN_PROBLEMS]:
        console.print(f"  set aside {problem.source_file}: {problem.locator}: field '{problem.field}': "
                      f"{problem.reason}", markup=False, highlight=False)
    if len(agreement.problems) > SHOWN_PROBLEMS:
        console.print(f"  … and {len(agreement.problems) - SHOWN_PROBLEMS} more, listed in agreement.json")
    for path in agreement.paths.values():
        console.print(f"  wrote [green]{escape(path)}[/]", highlight=False)


def _num(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.1f} %" if percent else f"{value:.3f}"


def print_graded(console: Console, graded: Graded) -> None:
    """The judge's scores of a replies file, then its agreement with the people's grades and where they differ."""
    d = graded.as_dict()
    console.print(f"[bold]judge[/] on {escape(d['path'])}: {d['n']} replies — "
                  + ", ".join(f"score {s}: {n}" for s, n in sorted(d["judge_scores"].items(), reverse=True)),
                  highlight=False)
    if d["graded"]:
        console.print(f"agreement with the people's grades on {d['graded']} replies: {_pct(d['agreement'])}, "
                      f"Cohen's kappa {_num(d['kappa'])}", highlight=False)
        confusion = Table(title="judge score (rows) against the person's grade (columns)", title_justify="left")
        confusion.add_column("judge \\ person")
        for grade in (1, 2, 3):
            confusion.add_column(str(grade), justify="right")
        for grade, counts in zip((1, 2, 3), d["confusion"], strict=True):
            confusion.add_row(str(grade), *map(str, counts))
        console.print(confusion)
        for row in d["disagreements"][:SHOWN_PROBLEMS]:
            console.print(f"  {row['id']}: judge {row['judge']}, person {row['person']} — "
                          f"{'; '.join(row['reasons'][:2]) or 'no reason'}", markup=False, highlight=False)
    for problem in d["set_aside"][:SHOWN_PROBLEMS]:
        console.print(f"  set aside {problem['locator']}: {problem['reason']}", markup=False, highlight=False)
