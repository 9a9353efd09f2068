"""Human review of an evaluation: a sheet of replies for people to grade 3/2/1, and how far the judge agrees.

    export_review_sheet(ws / "reports/eval/base", ws / "reports/eval/base/review.csv", sample=60, seed=0)
    import_review_sheet(ws / "reports/eval/base", ws / "reports/eval/base/review.csv")

The CSV is what a reviewer fills in (human_score 1/2/3, blank = not graded, and a note); the HTML beside it is the
same rows for reading. Import writes human.jsonl (the grades) and agreement.json: raw agreement, Cohen's kappa
(unweighted and quadratic-weighted) and the 3×3 confusion matrix of judge score against human score. A row whose
grade cannot be read is set aside with its file, line and field; the rest are still imported.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunedesk.errors import TunedeskError
from tunedesk.records import Rejected
from tunedesk.store import evaluations as results

COLUMNS = ("id", "category", "kind", "customer", "reference", "reply", "rubric_score", "rubric_reasons",
           "human_score", "human_note")
LABELS = (1, 2, 3)
SCALE = {3: "correct", 2: "partial", 1: "wrong"}
_GRADE = re.compile(r"^([123])(?:\.0*)?$")
# A spreadsheet runs a cell starting with one of these as a formula; customer and model text must not be one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ReviewError(TunedeskError):
    """A review sheet cannot be written or read at all (no evaluation, no grade column, unreadable file)."""


@dataclass
class ReviewSheet:
    """What export wrote: the CSV to fill in, the HTML to read, and how many rows of which categories."""

    csv_path: Path
    html_path: Path
    rows: int
    total: int
    by_category: dict[str, int] = field(default_factory=dict)
    skipped_lines: list[int] = field(default_factory=list)
    """Lines of replies.jsonl that could not be read (left out of the sheet)."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON `review export --json` prints."""
        return {"rows": self.rows, "total": self.total, "by_category": self.by_category,
                "skipped_lines": self.skipped_lines, "paths": {"csv": str(self.csv_path), "html": str(self.html_path)}}


@dataclass
class Agreement:
    """How far the judge's scores agree with the human grades of one evaluation."""

    model: str
    n_rows: int
    n_graded: int
    raw_agreement: float | None
    kappa: float | None
    weighted_kappa: float | None
    confusion: list[list[int]]
    """confusion[judge - 1][human - 1]: how many replies the judge scored `judge` and the reviewer `human`."""
    problems: list[Rejected] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """agreement.json, and the JSON `review import --json` prints."""
        return {"model": self.model, "n_rows": self.n_rows, "n_graded": self.n_graded,
                "n_set_aside": len(self.problems), "raw_agreement": self.raw_agreement, "kappa": self.kappa,
                "weighted_kappa": self.weighted_kappa,
                "confusion": {"labels": list(LABELS), "rows": "judge score", "columns": "human score",
                              "matrix": self.confusion},
                "problems": [p.model_dump() for p in self.problems], "paths": self.paths}


def eval_dir_for(workspace_root: Path, model: str) -> Path:
    """reports/eval/<model>, where `model` is a folder name there, or a run id, prefix or `latest`."""
    from tunedesk.store.runs import RunError, find_run

    eval_root = results.eval_dir(workspace_root, model).parent
    if (eval_root / model / "replies.jsonl").is_file():
        return eval_root / model
    why = ""
    if model != "base":
        try:
            run_id = find_run(Path(workspace_root), model).id
        except RunError as exc:
            run_id, why = "", f" ({exc})"
        if run_id and (eval_root / run_id / "replies.jsonl").is_file():
            return eval_root / run_id
    evaluated = ", ".join(sorted(p.parent.name for p in eval_root.glob("*/replies.jsonl"))) or "none yet"
    raise ReviewError(f"no evaluation of {model!r} in {eval_root}{why}; evaluated: {evaluated}. Run "
                      f"`tunedesk eval -w {workspace_root} --model {model}` first")


def read_replies(eval_dir: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows of replies.jsonl that have an id, and the line numbers of those that cannot be read."""
    path = Path(eval_dir) / "replies.jsonl"
    if not path.is_file():
        raise ReviewError(f"{path} is missing: run `tunedesk eval` for this model first")
    return results.read_replies(path.parent)


def export_review_sheet(eval_dir: Path, out: Path, *, sample: int | None, seed: int,
                        force: bool = False) -> ReviewSheet:
    """Write the CSV to grade (`out`) and an HTML page of the same rows beside it; `sample` rows per category share."""
    eval_dir, out = Path(eval_dir), Path(out)
    rows, skipped = read_replies(eval_dir)
    if not rows:
        raise ReviewError(f"{eval_dir / 'replies.jsonl'} has no readable replies to review")
    if sample is not None and sample < 1:
        raise ReviewError(f"--sample {sample}: give at least 1 row, or leave it out for every reply")
    if out.is_file() and not force and _has_grades(out):
        raise ReviewError(f"{out} already holds human grades: import it first, or write elsewhere with --out "
                          "(or --force to overwrite them)")
    chosen = stratified_sample(rows, sample, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(_sheet_row(row) for row in chosen)
    html_path = out.with_suffix(".html")
    html_path.write_text(render_review_html(chosen, eval_dir.name, out.name), encoding="utf-8")
    counts: dict[str, int] = defaultdict(int)
    for row in chosen:
        counts[_category(row)] += 1
    return ReviewSheet(out, html_path, len(chosen), len(rows), dict(sorted(counts.items())), skipped)


def stratified_sample(rows: list[dict[str, Any]], sample: int | None, seed: int) -> list[dict[str, Any]]:
    """`sample` rows shared between categories in proportion to their size (every category one row when the sample
    allows), drawn with `seed`; rows keep their order in replies.jsonl. None or a sample ≥ all rows: every row."""
    if sample is None or sample >= len(rows):
        return list(rows)
    groups: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        groups[_category(row)].append(index)
    quotas = allocate({name: len(members) for name, members in groups.items()}, sample)
    rng = random.Random(seed)
    chosen = [i for name in sorted(groups) for i in rng.sample(groups[name], quotas[name])]
    return [rows[i] for i in sorted(chosen)]


def allocate(sizes: dict[str, int], sample: int, one_each: bool = True) -> dict[str, int]:
    """`sample` shared between groups in proportion to their `sizes`, by largest remainder; with `one_each`, one
    for every group first (when the sample allows), so a small group is not left out."""
    quotas = {name: 1 if one_each and sample >= len(sizes) else 0 for name in sizes}
    remaining = sample - sum(quotas.values())
    capacity = {name: sizes[name] - quotas[name] for name in sizes}
    total = sum(capacity.values())
    shares = {name: remaining * capacity[name] / total if total else 0.0 for name in sizes}
    for name, share in shares.items():
        quotas[name] += math.floor(share)
    leftover = sample - sum(quotas.values())
    by_remainder = sorted(sizes, key=lambda n: (-(shares[n] - math.floor(shares[n])), n))
    for name in by_remainder[:leftover]:
        quotas[name] += 1
    return quotas


def import_review_sheet(eval_dir: Path, csv_path: Path) -> Agreement:
    """Read the grades of a filled-in sheet, write human.jsonl and agreement.json, and return the agreement."""
    eval_dir, csv_path = Path(eval_dir), Path(csv_path)
    judged: dict[str, Any] = {str(row["id"]): row.get("score") for row in read_replies(eval_dir)[0]}
    grades, problems, n_rows = read_grades(csv_path, judged)
    pairs = [(int(judged[g["id"]]), g["human_score"]) for g in grades if g["human_score"] is not None]
    confusion = confusion_matrix(pairs)
    human_path, agreement_path = eval_dir / "human.jsonl", eval_dir / "agreement.json"
    with human_path.open("w", encoding="utf-8") as fh:
        for grade in grades:
            fh.write(json.dumps(grade, ensure_ascii=False) + "\n")
    n = len(pairs)
    result = Agreement(eval_dir.name, n_rows, n, round(sum(a == b for a, b in pairs) / n, 4) if n else None,
                       _rounded(cohen_kappa(confusion)), _rounded(cohen_kappa(confusion, "quadratic")), confusion,
                       problems, {"human": str(human_path), "agreement": str(agreement_path)})
    agreement_path.write_text(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def read_grades(csv_path: Path, judged: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Rejected], int]:
    """(graded or annotated rows as {id, human_score, human_note}, rows set aside, rows read) of a filled-in sheet;
    `judged` maps each evaluated id to the judge's score."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError(f"{csv_path} cannot be read as UTF-8 CSV: {exc}") from None
    first_line = text.split("\n", 1)[0]
    # A spreadsheet saved in a locale with decimal commas writes `;` between cells.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("id", "human_score") if c not in header]
    if missing:
        raise ReviewError(f"{csv_path}: line 1: no column {', '.join(missing)}; export a sheet with "
                          "`tunedesk review export` and fill in its human_score column")
    grades: list[dict[str, Any]] = []
    problems: list[Rejected] = []
    seen: dict[str, int] = {}
    n_rows, line = 0, reader.line_num + 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            n_rows += 1
            grade, problem = _grade(dict(zip(header, cells, strict=False)), judged, seen)
            if problem is not None:
                problems.append(Rejected(source_file=str(csv_path), locator=f"line {start}", reason=problem[1],
                                         field=problem[0], raw=delimiter.join(cells)[:2000]))
            elif grade is not None:
                seen[grade["id"]] = start
                grades.append(grade)
    except csv.Error as exc:  # the rest of the file cannot be split into cells: nothing after it is trustworthy
        raise ReviewError(f"{csv_path}: line {reader.line_num}: not valid CSV ({exc})") from None
    return grades, problems, n_rows


def _grade(row: dict[str, str], judged: dict[str, Any],
           seen: dict[str, int]) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    item_id = (row.get("id") or "").strip()
    score_text = (row.get("human_score") or "").strip()
    note = (row.get("human_note") or "").strip()
    if not item_id:
        return None, ("id", "no id: the row cannot be matched to a reply")
    if item_id not in judged:
        return None, ("id", f"id {item_id!r} is not in this model's replies.jsonl")
    if item_id in seen:
        return None, ("id", f"id {item_id!r} is graded twice; the row on line {seen[item_id]} is kept")
    if isinstance(judged[item_id], bool) or judged[item_id] not in LABELS:
        return None, ("score", f"the judge's score {judged[item_id]!r} for {item_id!r} is not 1, 2 or 3")
    if not score_text:
        return ({"id": item_id, "human_score": None, "human_note": note} if note else None), None
    matched = _GRADE.match(score_text)
    if matched is None:
        return None, ("human_score", f"{score_text!r} is not a grade: write 3 (correct), 2 (partial) or 1 (wrong), "
                                     "or leave it blank")
    return {"id": item_id, "human_score": int(matched.group(1)), "human_note": note}, None


def confusion_matrix(pairs: list[tuple[int, int]]) -> list[list[int]]:
    """3×3 counts of (judge score, human score) pairs; rows are the judge's 1, 2, 3, columns the human's."""
    matrix = [[0] * len(LABELS) for _ in LABELS]
    for judge, human in pairs:
        matrix[LABELS.index(judge)][LABELS.index(human)] += 1
    return matrix


def cohen_kappa(confusion: list[list[int]], weighting: str | None = None) -> float | None:
    """Cohen's kappa of a square confusion matrix, unweighted or `quadratic`; None when undefined (no pairs, or
    both raters always give the same single grade)."""
    k = len(confusion)
    n = sum(map(sum, confusion))
    if n == 0 or k < 2:
        return None
    rows = [sum(r) for r in confusion]
    cols = [sum(r[j] for r in confusion) for j in range(k)]

    def weight(i: int, j: int) -> float:
        return ((i - j) / (k - 1)) ** 2 if weighting == "quadratic" else float(i != j)

    observed = sum(weight(i, j) * confusion[i][j] for i in range(k) for j in range(k)) / n
    expected = sum(weight(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k)) / n**2
    return None if expected == 0 else 1 - observed / expected


def render_review_html(rows: list[dict[str, Any]], model: str, csv_name: str) -> str:
    """A self-contained page of the rows to review, every text escaped; it says the CSV is what is graded."""
    esc = html.escape
    body = "\n".join(
        f"<tr><td>{n}</td><td class=id>{esc(str(r.get('id', '')))}</td><td>{esc(_category(r))}<br><i>"
        f"{esc(str(r.get('kind') or ''))}</i></td><td>{esc(_text(r.get('prompt')))}</td>"
        f"<td>{esc(_text(r.get('reference')))}</td><td>{esc(_text(r.get('reply')))}</td>"
        f"<td>{esc(str(r.get('score', '')))}<br><small>{esc('; '.join(_reasons(r)))}</small></td></tr>"
        for n, r in enumerate(rows, start=1))
    scale = ", ".join(f"{s} = {word}" for s, word in SCALE.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Review sheet: {esc(model)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:.4rem;vertical-align:top;white-space:pre-wrap;font-size:.9rem}}
th{{background:#f0f0f0;position:sticky;top:0}}td.id{{white-space:nowrap}}.note{{background:#fff6d5;padding:.6rem}}
</style></head><body>
<h1>Review sheet: {esc(model)} ({len(rows)} replies)</h1>
<p class=note><b>Grades are entered in {esc(csv_name)}</b>, the CSV file beside this page, not here: give each reply a
human_score ({esc(scale)}; leave it blank when you did not grade it) and an optional human_note, then run
<code>tunedesk review import {esc(csv_name)} -w WORKSPACE --model {esc(model)}</code>. This page is for reading.</p>
<table><thead><tr><th>#</th><th>id</th><th>category / kind</th><th>customer</th><th>reference reply</th>
<th>model reply</th><th>judge score and reasons</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""


def _sheet_row(row: dict[str, Any]) -> list[str]:
    texts = [_category(row), str(row.get("kind") or ""), _text(row.get("prompt")), _text(row.get("reference")),
             _text(row.get("reply"))]
    return [str(row["id"]), *map(_cell, texts), str(row.get("score", "")), _cell("; ".join(_reasons(row))), "", ""]


def _cell(text: str) -> str:
    # A leading apostrophe shows the text as text in a spreadsheet; only id and the grade columns are read back.
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _has_grades(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return any((row.get("human_score") or "").strip() for row in csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return True  # unreadable: treat as precious rather than overwrite someone's work


def _category(row: dict[str, Any]) -> str:
    return str(row.get("category") or "") or "-"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _reasons(row: dict[str, Any]) -> list[str]:
    reasons = row.get("reasons")
    return [str(r) for r in reasons] if isinstance(reasons, list) else []


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
