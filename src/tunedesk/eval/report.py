"""The eval report: two evaluations (the base and a candidate run) side by side, as JSON, a self-contained HTML page
with plots (score shares, per category, calibration) and the worst replies, and a console summary table.

    build_report(ws / "reports")                  the newest run against base
    build_report(ws / "reports", "20261121-...")  a given run
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from rich.console import Console
from rich.table import Table

from tunedesk.answer.calibration import confidence_of, expected_calibration_error, reliability
from tunedesk.errors import TunedeskError
from tunedesk.store.evaluations import read_replies

HEADLINE = ("score_3", "score_2", "score_1", "policy_accuracy", "escalation_precision", "escalation_recall",
            "hallucination_rate", "refusal_accuracy", "auto_sent_share", "auto_sent_wrong_share")
# Lower is better for these: the HTML colours their deltas the other way round. score_2 is left uncoloured, since
# fewer 2s is good when they became 3s and bad when they became 1s.
LOWER_IS_BETTER = {"score_1", "hallucination_rate", "auto_sent_wrong_share"}
NEUTRAL = {"score_2"}
WORST_COUNT = 15
CALIBRATION_BINS = 8


class ReportError(TunedeskError):
    """An eval report cannot be built: an evaluation it compares is missing or unreadable."""


@dataclass
class Evaluation:
    """One model's evaluation as read from reports/eval/<model>/."""

    name: str
    summary: dict[str, Any]
    replies: list[dict[str, Any]]
    skipped_lines: list[int] = field(default_factory=list)


@dataclass
class ReportResult:
    """What the report compared and where it wrote."""

    baseline: str
    candidate: str
    data: dict[str, Any]
    html_path: Path
    json_path: Path


def build_report(reports_dir: Path, candidate: str | None = None, baseline: str = "base",
                 out_dir: Path | None = None) -> ReportResult:
    """Compare `candidate` (default: the newest run evaluated) with `baseline`; write eval_report.html and .json."""
    eval_dir = Path(reports_dir) / "eval"
    base_eval = load_evaluation(eval_dir, baseline)
    cand_eval = load_evaluation(eval_dir, candidate or newest_candidate(eval_dir, baseline))
    data = report_data(base_eval, cand_eval)
    out = Path(out_dir) if out_dir is not None else Path(reports_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out / "eval_report.json", out / "eval_report.html"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    html_path.write_text(render_html(data, cand_eval), encoding="utf-8")
    return ReportResult(base_eval.name, cand_eval.name, data, html_path, json_path)


def _eval_hint(eval_dir: Path, model: str) -> str:
    workspace = eval_dir.parent.parent
    return f"run `tunedesk eval -w {workspace} --model {model}` first"


def newest_candidate(eval_dir: Path, baseline: str = "base") -> str:
    """The non-baseline evaluation whose summary.json was written last."""
    summaries = [p for p in eval_dir.glob("*/summary.json") if p.parent.name != baseline] if eval_dir.is_dir() else []
    if not summaries:
        raise ReportError(f"no evaluated run to compare in {eval_dir}: {_eval_hint(eval_dir, 'latest')}")
    return max(summaries, key=lambda p: p.stat().st_mtime).parent.name


def load_evaluation(eval_dir: Path, model: str) -> Evaluation:
    """Read one model's summary.json and replies.jsonl; unreadable reply lines are set aside by line number."""
    folder = eval_dir / model
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise ReportError(f"{folder} has no summary.json: {_eval_hint(eval_dir, model)}")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{summary_path} cannot be read ({exc}): {_eval_hint(eval_dir, model)}") from exc
    if not isinstance(summary, dict):
        raise ReportError(f"{summary_path} is not a JSON object: {_eval_hint(eval_dir, model)}")
    replies, skipped = read_replies(folder)
    return Evaluation(model, summary, replies, skipped)


def _delta(base: object, cand: object) -> float | None:
    if isinstance(base, int | float) and isinstance(cand, int | float):
        return round(cand - base, 4)
    return None


def report_data(base: Evaluation, cand: Evaluation) -> dict[str, Any]:
    """The JSON report: both summaries, headline deltas, per-category shares, calibration and the worst items."""
    headline = {m: {"baseline": base.summary.get(m), "candidate": cand.summary.get(m),
                    "delta": _delta(base.summary.get(m), cand.summary.get(m))} for m in HEADLINE}
    base_cats, cand_cats = base.summary.get("by_category") or {}, cand.summary.get("by_category") or {}
    categories = {c: {"baseline": base_cats.get(c), "candidate": cand_cats.get(c)}
                  for c in sorted(set(base_cats) | set(cand_cats))}
    return {"baseline": base.name, "candidate": cand.name, "headline": headline, "by_category": categories,
            "earns_its_keep": earns_its_keep(cand.summary),
            "calibration": calibration(cand.replies), "worst": worst_items(cand.replies),
            "skipped_reply_lines": {base.name: base.skipped_lines, cand.name: cand.skipped_lines},
            "summaries": {"baseline": base.summary, "candidate": cand.summary}}


def earns_its_keep(summary: dict[str, Any]) -> dict[str, Any]:
    """Score 3 of the candidate beside its baselines on the same items — overall with 95 % intervals, then per
    category — and the paired-bootstrap differences: the first question before paying for a fine-tune."""
    columns = {**(summary.get("baselines") or {}), summary.get("model", "candidate"): summary}
    overall = {name: {"score_3": c.get("score_3"), "score_3_ci": c.get("score_3_ci"), "score_1": c.get("score_1")}
               for name, c in columns.items()}
    categories = {cat: {"n": row.get("n"), **{name: ((c.get("by_category") or {}).get(cat) or {}).get("score_3")
                                               for name, c in columns.items()}}
                  for cat, row in (summary.get("by_category") or {}).items()}
    return {"models": list(columns), "overall": overall, "by_category": categories,
            "versus": summary.get("vs_baselines") or {}}


def _confidence(row: dict[str, Any]) -> float | None:
    """The confidence the server routed on (calibrated when eval fitted a calibrator), else exp(mean token
    logprob), or None when not recorded."""
    conf = row.get("confidence")
    if isinstance(conf, dict) and isinstance(conf.get("score"), int | float):
        return float(conf["score"])
    lp = conf.get("logprob_mean") if isinstance(conf, dict) else None
    if not isinstance(lp, int | float) or isinstance(lp, bool) or not math.isfinite(lp):
        return None
    return confidence_of(lp)


def calibration(replies: list[dict[str, Any]], bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """Reliability diagram data (eval's own equal-count bins and ECE): confidence against the share of score 3."""
    points = [(c, row.get("score") == 3) for row in replies if (c := _confidence(row)) is not None]
    if not points:
        return {"bins": [], "ece": None, "n": 0}
    table = reliability([c for c, _ in points], [good for _, good in points], bins)
    return {"bins": [{"n": b["n"], "confidence": b["confidence"], "score_3": b["accuracy"]} for b in table],
            "ece": expected_calibration_error(table), "n": len(points)}


def worst_items(replies: list[dict[str, Any]], count: int = WORST_COUNT) -> list[dict[str, Any]]:
    """The candidate's weakest replies: score 1 before 2, the least confident first within a score."""
    weak = [r for r in replies if r.get("score") in (1, 2)]
    weak.sort(key=lambda r: (r["score"], c if (c := _confidence(r)) is not None else math.inf))
    return [{"id": r.get("id"), "category": r.get("category"), "kind": r.get("kind"), "score": r.get("score"),
             "confidence": None if (c := _confidence(r)) is None else round(c, 4), "prompt": r.get("prompt"),
             "reference": r.get("reference"), "reply": r.get("reply"), "reasons": r.get("reasons") or []}
            for r in weak[:count]]


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    encoded = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(str(fig.get_label()))}" src="data:image/png;base64,{encoded}">'


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def score_chart(data: dict[str, Any]) -> str:
    """Grouped bars of score 3/2/1 shares, baseline against candidate, as an inline PNG."""
    fig = Figure(figsize=(6, 3.2), label="score shares")
    ax = fig.subplots()
    scores = ("score_3", "score_2", "score_1")
    for offset, side in ((-0.2, "baseline"), (0.2, "candidate")):
        ax.bar([i + offset for i in range(3)], [_num(data["headline"][s][side]) for s in scores], width=0.4,
               label=f"{side}: {data[side]}")
    ax.set_xticks(range(3), ["score 3", "score 2", "score 1"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of replies")
    ax.legend(fontsize=8)
    return _png(fig)


def category_chart(data: dict[str, Any]) -> str:
    """Horizontal bars of the score-3 share per category, baseline against candidate, as an inline PNG."""
    cats = list(data["by_category"])
    fig = Figure(figsize=(6, max(2.5, 0.3 * len(cats) + 1)), label="score 3 by category")
    ax = fig.subplots()
    for offset, side in ((-0.2, "baseline"), (0.2, "candidate")):
        shares = [_num((data["by_category"][c][side] or {}).get("score_3")) for c in cats]
        ax.barh([i + offset for i in range(len(cats))], shares, height=0.4, label=side)
    ax.set_yticks(range(len(cats)), cats, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of score 3")
    ax.legend(fontsize=8)
    return _png(fig)


def calibration_chart(data: dict[str, Any]) -> str:
    """Reliability diagram of the candidate: confidence against share of score 3, with the diagonal."""
    cal = data["calibration"]
    fig = Figure(figsize=(4.2, 4.2), label="calibration")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    ax.plot([b["confidence"] for b in cal["bins"]], [b["score_3"] for b in cal["bins"]], marker="o",
            label=data["candidate"])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean confidence (as routed)")
    ax.set_ylabel("share of score 3")
    ax.set_title(f"ECE {cal['ece'] if cal['ece'] is not None else 'n/a'}", fontsize=9)
    ax.legend(fontsize=8)
    return _png(fig)


def _fmt(value: object, signed: bool = False) -> str:
    if not isinstance(value, int | float):
        return "–"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _headline_html(data: dict[str, Any]) -> str:
    rows = []
    for metric, row in data["headline"].items():
        delta = row["delta"]
        better = delta is not None and delta != 0 and ((delta > 0) != (metric in LOWER_IS_BETTER))
        tone = "" if delta in (None, 0) or metric in NEUTRAL else (' class="up"' if better else ' class="down"')
        rows.append(f"<tr><td>{html.escape(metric)}</td><td>{_fmt(row['baseline'])}</td>"
                    f"<td>{_fmt(row['candidate'])}</td><td{tone}>{_fmt(delta, signed=True)}</td></tr>")
    head = (f"<tr><th>metric</th><th>{html.escape(data['baseline'])}</th>"
            f"<th>{html.escape(data['candidate'])}</th><th>delta</th></tr>")
    return f"<table class='headline'>{head}{''.join(rows)}</table>"


def _keep_html(keep: dict[str, Any]) -> str:
    models = keep["models"]
    if len(models) < 2:
        return "<p>This evaluation has no baselines: evaluate again with today's <code>tunedesk eval</code>.</p>"
    head = "<tr><th>score 3</th><th>n</th>" + "".join(f"<th>{html.escape(m)}</th>" for m in models) + "</tr>"
    overall = keep["overall"]
    cells = "".join(f"<td>{_pct_ci(overall[m]['score_3'], overall[m].get('score_3_ci'))}</td>" for m in models)
    rows = [f"<tr><td><b>all held-out tickets</b></td><td></td>{cells}</tr>"]
    for category, row in keep["by_category"].items():
        rows.append(f"<tr><td>{html.escape(category)}</td><td>{row['n']}</td>"
                    + "".join(f"<td>{_pct_ci(row.get(m))}</td>" for m in models) + "</tr>")
    versus = "".join(f"<li>vs {html.escape(name)}: score 3 {_signed_ci(v, 'score_3')}, score 1 "
                     f"{_signed_ci(v, 'score_1')}</li>" for name, v in keep["versus"].items())
    return f"<table>{head}{''.join(rows)}</table><ul>{versus}</ul>"


def _pct_ci(value: object, interval: object = None) -> str:
    if not isinstance(value, int | float):
        return "–"
    shown = f"{100 * value:.1f} %"
    if isinstance(interval, list) and len(interval) == 2:
        shown += f" <small>[{100 * interval[0]:.0f}–{100 * interval[1]:.0f}]</small>"
    return shown


def _signed_ci(versus: dict[str, Any], key: str) -> str:
    delta, interval = versus.get(f"{key}_delta"), versus.get(f"{key}_delta_ci")
    if not isinstance(delta, int | float) or not interval:
        return "–"
    return f"{100 * delta:+.1f} points (95 % interval {100 * interval[0]:+.1f} to {100 * interval[1]:+.1f})"


def _text_block(title: str, text: object) -> str:
    return f"<div><h4>{title}</h4><pre>{html.escape(str(text or ''))}</pre></div>"


def _worst_html(data: dict[str, Any]) -> str:
    cards = []
    for item in data["worst"]:
        reasons = "".join(f"<li>{html.escape(str(r))}</li>" for r in item["reasons"])
        cards.append(
            f"<section class='item'><h3>score {html.escape(str(item['score']))} · {html.escape(str(item['id']))}"
            f" · {html.escape(str(item['category']))} / {html.escape(str(item['kind']))}"
            f" · confidence {_fmt(item['confidence'])}</h3><div class='side'>"
            f"{_text_block('prompt', item['prompt'])}{_text_block('reference', item['reference'])}"
            f"{_text_block('reply', item['reply'])}</div><ul>{reasons}</ul></section>")
    return "".join(cards) or "<p>No reply scored 1 or 2.</p>"


STYLE = """body{font-family:sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
td:first-child{text-align:left}.up{color:#176f2c}.down{color:#b3261e}.plots{display:flex;flex-wrap:wrap;gap:1em}
.side{display:grid;grid-template-columns:1fr 1fr 1fr;gap:1em}pre{white-space:pre-wrap;background:#f6f6f6;
padding:.5em;font-size:12px}.item{border-top:1px solid #ccc;margin-top:1em}h3{font-size:14px}"""


def render_html(data: dict[str, Any], cand: Evaluation) -> str:
    """The self-contained HTML page: no external URLs, no scripts, every model text escaped."""
    title = f"tunedesk eval: {data['candidate']} vs {data['baseline']}"
    skipped = sum(len(v) for v in data["skipped_reply_lines"].values())
    note = f"<p>{skipped} unreadable reply line(s) were left out; see eval_report.json.</p>" if skipped else ""
    ece = data["calibration"]["ece"]
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{note}"
            f"<h2>Does fine-tuning earn its keep here?</h2>{_keep_html(data['earns_its_keep'])}"
            f"<h2>Headline</h2>{_headline_html(data)}"
            f"<h2>Plots</h2><div class='plots'>{score_chart(data)}{category_chart(data)}"
            f"{calibration_chart(data)}</div>"
            f"<p>Expected calibration error of {html.escape(cand.name)}: {_fmt(ece)} "
            f"over {data['calibration']['n']} replies in {len(data['calibration']['bins'])} equal-count bins.</p>"
            f"<h2>Worst {len(data['worst'])} replies of {html.escape(cand.name)}</h2>{_worst_html(data)}"
            "</body></html>\n")


def print_report(result: ReportResult, console: Console) -> None:
    """A summary table (metric, baseline, candidate, delta) and the paths written."""
    table = Table(title=f"eval report: {result.candidate} vs {result.baseline}")
    for column in ("metric", result.baseline, result.candidate, "delta"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for metric, row in result.data["headline"].items():
        table.add_row(metric, _fmt(row["baseline"]), _fmt(row["candidate"]), _fmt(row["delta"], signed=True))
    console.print(table)
    ece = result.data["calibration"]["ece"]
    console.print(f"calibration ECE ({result.candidate}): {_fmt(ece)}")
    skipped = result.data["skipped_reply_lines"]
    for model, lines in skipped.items():
        if lines:
            console.print(f"[yellow]{len(lines)} unreadable line(s) in {model}/replies.jsonl: {lines[:10]}[/]")
    console.print(f"wrote {result.html_path}")
    console.print(f"wrote {result.json_path}")
