"""Human review: export a sheet of eval replies, fill in grades, import them, and measure the judge's agreement with
people (Cohen's kappa); the `tunedesk review` commands on a workspace with faked eval outputs."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tunedesk.cli.main import app
from tunedesk.errors import TunedeskError
from tunedesk.eval.human import (
    COLUMNS,
    ReviewError,
    cohen_kappa,
    confusion_matrix,
    export_review_sheet,
    import_review_sheet,
    stratified_sample,
)
from tunedesk.scaffold import init_workspace

RUN = "20261121-090000-lora"
# (category, judge score): returns 10, shipping 6, legal 2 — sizes that make the sample's shares easy to check.
ROWS = [("returns", 3), ("returns", 2), ("shipping", 3), ("returns", 1), ("legal", 1), ("shipping", 2),
        ("returns", 3), ("returns", 3), ("shipping", 1), ("returns", 2), ("shipping", 3), ("returns", 3),
        ("legal", 3), ("returns", 1), ("shipping", 3), ("returns", 2), ("shipping", 2), ("returns", 3)]


def reply_row(n: int, category: str, score: int, reply: str | None = None) -> dict[str, Any]:
    """One line of replies.jsonl as the eval stage writes it."""
    return {"id": f"zendesk:{n}#1", "category": category, "kind": "answer",
            "prompt": f"Hello, question {n} about my order.\nThanks, Sam", "reference": f"Reference answer {n}.",
            "reply": reply or f"Model reply {n}:\n- returns are free within 30 days", "score": score,
            "reasons": [] if score == 3 else [f"reason {n}"], "checks": {}, "confidence": {"logprob_mean": -0.5}}


def write_eval(folder: Path, rows: list[dict[str, Any]]) -> Path:
    """A fake reports/eval/<model>/ folder: replies.jsonl and a summary."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "replies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps({"model": folder.name, "n": len(rows)}), encoding="utf-8")
    return folder


@pytest.fixture
def eval_dir(tmp_path: Path) -> Path:
    """reports/eval/base of a fake evaluation of 18 replies."""
    return write_eval(tmp_path / "reports" / "eval" / "base", [reply_row(n, c, s) for n, (c, s) in enumerate(ROWS)])


def read_sheet(path: Path) -> list[dict[str, str]]:
    """The rows of a review CSV."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def fill_sheet(path: Path, grades: dict[str, str], notes: dict[str, str] | None = None) -> None:
    """Write grades (and notes) into an exported sheet, as a reviewer would."""
    rows = read_sheet(path)
    for row in rows:
        row["human_score"] = grades.get(row["id"], "")
        row["human_note"] = (notes or {}).get(row["id"], "")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


def test_export_writes_the_csv_to_fill_and_an_html_page(eval_dir: Path) -> None:
    sheet = export_review_sheet(eval_dir, eval_dir / "review.csv", sample=None, seed=0)
    rows = read_sheet(sheet.csv_path)
    with sheet.csv_path.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == list(COLUMNS)
    assert sheet.rows == sheet.total == len(ROWS) and [r["id"] for r in rows] == [f"zendesk:{n}#1" for n in
                                                                                  range(len(ROWS))]
    first = rows[1]
    assert first["customer"] == "Hello, question 1 about my order.\nThanks, Sam"
    assert first["reference"] == "Reference answer 1." and first["rubric_score"] == "2"
    assert first["rubric_reasons"] == "reason 1" and first["human_score"] == "" and first["human_note"] == ""
    page = sheet.html_path.read_text(encoding="utf-8")
    assert sheet.html_path == eval_dir / "review.html"
    assert "Grades are entered in review.csv" in page and "tunedesk review import review.csv" in page
    assert page.count("<tr><td>") == len(ROWS)
    assert sheet.by_category == {"legal": 2, "returns": 10, "shipping": 6}


def test_fill_grades_import_and_measure_agreement(eval_dir: Path) -> None:
    sheet = export_review_sheet(eval_dir, eval_dir / "review.csv", sample=None, seed=0)
    # The reviewer agrees on 0-9, grades 10-13 one lower than the judge, leaves 14-17 blank.
    human = {f"zendesk:{n}#1": str(s if n < 10 else max(s - 1, 1)) for n, (_, s) in enumerate(ROWS) if n < 14}
    fill_sheet(sheet.csv_path, human, {"zendesk:3#1": "tone is cold, facts right"})
    result = import_review_sheet(eval_dir, sheet.csv_path)
    pairs = [(s, int(human[f"zendesk:{n}#1"])) for n, (_, s) in enumerate(ROWS) if n < 14]
    assert result.n_rows == len(ROWS) and result.n_graded == 14 and result.problems == []
    assert result.raw_agreement == round(sum(a == b for a, b in pairs) / 14, 4) == 0.7857
    assert result.confusion == [[4, 0, 0], [0, 3, 0], [0, 3, 4]]
    assert result.kappa == round(cohen_kappa(result.confusion) or 0, 4)
    saved = json.loads((eval_dir / "agreement.json").read_text(encoding="utf-8"))
    assert saved["n_graded"] == 14 and saved["kappa"] == result.kappa and saved["confusion"]["matrix"] == [
        [4, 0, 0], [0, 3, 0], [0, 3, 4]]
    assert saved["weighted_kappa"] == result.weighted_kappa and saved["weighted_kappa"] > saved["kappa"]
    graded = [json.loads(line) for line in (eval_dir / "human.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(graded) == 14 and graded[3] == {"id": "zendesk:3#1", "human_score": 1,
                                               "human_note": "tone is cold, facts right"}


def test_bad_grades_are_set_aside_with_their_line_and_field(eval_dir: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "graded.csv"
    sheet.write_text(
        "id,human_score,human_note\n"
        "zendesk:0#1,3,\n"
        "zendesk:1#1,4,too high\n"
        'zendesk:2#1,"good",\n'
        '"zendesk:3#1",2,"a note\nover two lines"\n'
        "zendesk:4#1,1.0,\n"
        "zendesk:99#1,2,\n"
        "zendesk:0#1,1,\n"
        "zendesk:5#1,,only a note\n"
        "zendesk:6#1,,\n"
        ",3,\n", encoding="utf-8")
    result = import_review_sheet(eval_dir, sheet)
    found = [(p.locator, p.field, p.source_file) for p in result.problems]
    assert found == [("line 3", "human_score", str(sheet)), ("line 4", "human_score", str(sheet)),
                     ("line 8", "id", str(sheet)), ("line 9", "id", str(sheet)), ("line 12", "id", str(sheet))]
    assert "'4' is not a grade" in result.problems[0].reason and "zendesk:99#1" in result.problems[2].reason
    assert "line 2 is kept" in result.problems[3].reason
    assert result.n_rows == 10 and result.n_graded == 3  # 0#1, 3#1 and 4#1 (1.0 as a spreadsheet may write it)
    saved = [json.loads(x) for x in (eval_dir / "human.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(g["id"], g["human_score"]) for g in saved] == [("zendesk:0#1", 3), ("zendesk:3#1", 2),
                                                            ("zendesk:4#1", 1), ("zendesk:5#1", None)]
    assert saved[1]["human_note"] == "a note\nover two lines"
    problems = json.loads((eval_dir / "agreement.json").read_text(encoding="utf-8"))["problems"]
    assert [p["locator"] for p in problems] == ["line 3", "line 4", "line 8", "line 9", "line 12"]


def test_a_sheet_without_a_grade_column_is_a_clear_error(eval_dir: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "wrong.csv"
    sheet.write_text("id,score\nzendesk:0#1,3\n", encoding="utf-8")
    with pytest.raises(ReviewError, match=r"wrong\.csv: line 1: no column human_score"):
        import_review_sheet(eval_dir, sheet)


def test_semicolon_sheets_from_spreadsheets_are_read(eval_dir: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "excel.csv"
    sheet.write_text("\ufeffid;human_score;human_note\r\nzendesk:0#1;3;\r\nzendesk:1#1;1;wrong\r\n", encoding="utf-8")
    result = import_review_sheet(eval_dir, sheet)
    assert result.n_graded == 2 and result.confusion == [[0, 0, 0], [1, 0, 0], [0, 0, 1]]


def test_html_escapes_injected_markup_and_csv_defuses_formulas(tmp_path: Path) -> None:
    rows = [reply_row(0, "returns", 1, reply="<script>alert('x')</script> and <b>bold</b>"),
            reply_row(1, "<img src=x onerror=alert(1)>", 2, reply="=HYPERLINK(\"http://evil.example\",\"click\")")]
    folder = write_eval(tmp_path / "eval" / "base", rows)
    sheet = export_review_sheet(folder, folder / "review.csv", sample=None, seed=0)
    page = sheet.html_path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page and "<script" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<img" not in page
    written = read_sheet(sheet.csv_path)
    assert written[1]["reply"].startswith("'=HYPERLINK(")
    assert written[0]["reply"] == "<script>alert('x')</script> and <b>bold</b>"


def test_sample_is_stratified_by_category_and_deterministic(eval_dir: Path) -> None:
    rows = [reply_row(n, c, s) for n, (c, s) in enumerate(ROWS)]
    picked = stratified_sample(rows, 9, seed=7)
    by_category = {c: sum(r["category"] == c for r in picked) for c in ("returns", "shipping", "legal")}
    # One per category first, then the other 6 by size (9, 5, 1 left): 3.6 / 2.0 / 0.4 → 4 + 1 / 3 / 1.
    assert by_category == {"returns": 5, "shipping": 3, "legal": 1}
    assert [r["id"] for r in stratified_sample(rows, 9, seed=7)] == [r["id"] for r in picked]
    assert [r["id"] for r in stratified_sample(rows, 9, seed=8)] != [r["id"] for r in picked]
    order = [r["id"] for r in rows]
    assert [order.index(r["id"]) for r in picked] == sorted(order.index(r["id"]) for r in picked)
    assert len(stratified_sample(rows, 2, seed=0)) == 2 and stratified_sample(rows, 50, seed=0) == rows
    sheet = export_review_sheet(eval_dir, eval_dir / "sample.csv", sample=9, seed=7)
    assert sheet.rows == 9 and sheet.total == 18 and sheet.by_category == {"legal": 1, "returns": 5, "shipping": 3}


def test_export_keeps_a_sheet_that_already_has_grades(eval_dir: Path) -> None:
    sheet = export_review_sheet(eval_dir, eval_dir / "review.csv", sample=None, seed=0)
    fill_sheet(sheet.csv_path, {"zendesk:0#1": "3"})
    with pytest.raises(ReviewError, match="already holds human grades"):
        export_review_sheet(eval_dir, sheet.csv_path, sample=None, seed=0)
    assert read_sheet(sheet.csv_path)[0]["human_score"] == "3"
    export_review_sheet(eval_dir, sheet.csv_path, sample=None, seed=0, force=True)
    assert read_sheet(sheet.csv_path)[0]["human_score"] == ""


def test_kappa_matches_a_hand_worked_example() -> None:
    # n = 10, 8 on the diagonal: p_o = 0.8. Rows (judge) 3, 4, 3; columns (human) 2, 4, 4.
    # p_e = (3·2 + 4·4 + 3·4) / 100 = 0.34, so kappa = (0.8 − 0.34) / (1 − 0.34) = 0.69697.
    # Quadratic weights ((i − j) / 2)²: observed disagreement (1·¼ + 1·¼) / 10 = 0.05; expected
    # (¼·3·4 + 1·3·4 + ¼·4·2 + ¼·4·4 + 1·3·2 + ¼·3·4) / 100 = 0.30, so weighted kappa = 1 − 0.05 / 0.30 = 0.83333.
    matrix = [[2, 1, 0], [0, 3, 1], [0, 0, 3]]
    assert cohen_kappa(matrix) == pytest.approx(0.69697, abs=1e-5)
    assert cohen_kappa(matrix, "quadratic") == pytest.approx(0.83333, abs=1e-5)
    assert cohen_kappa([[0, 0, 0]] * 3) is None and cohen_kappa([[0, 0, 0], [0, 0, 0], [0, 0, 5]]) is None
    assert cohen_kappa([[4, 0, 0], [0, 0, 0], [0, 0, 6]]) == pytest.approx(1.0)


def test_kappa_matches_sklearn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(3)
    for _ in range(20):
        judge = [rng.choice((1, 2, 3)) for _ in range(40)]
        human = [j if rng.random() < 0.6 else rng.choice((1, 2, 3)) for j in judge]
        matrix = confusion_matrix(list(zip(judge, human, strict=True)))
        assert cohen_kappa(matrix) == pytest.approx(metrics.cohen_kappa_score(judge, human, labels=[1, 2, 3]))
        assert cohen_kappa(matrix, "quadratic") == pytest.approx(
            metrics.cohen_kappa_score(judge, human, labels=[1, 2, 3], weights="quadratic"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A blank workspace with a faked base evaluation and one evaluated run."""
    root = tmp_path / "ws"
    init_workspace(root)
    write_eval(root / "reports" / "eval" / "base", [reply_row(n, c, s) for n, (c, s) in enumerate(ROWS)])
    write_eval(root / "reports" / "eval" / RUN, [reply_row(n, c, 3) for n, (c, _) in enumerate(ROWS[:6])])
    (root / "runs" / RUN).mkdir(parents=True)
    (root / "runs" / RUN / "run.json").write_text(json.dumps({"method": "lora"}), encoding="utf-8")
    return root


def test_cli_export_then_import_prints_kappa_and_paths(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    exported = runner.invoke(app, ["review", "export", "-w", str(workspace), "--sample", "12", "--json"])
    assert exported.exit_code == 0, exported.output
    info = json.loads(exported.stdout)
    csv_path = Path(info["paths"]["csv"])
    assert info["rows"] == 12 and csv_path == workspace / "reports" / "eval" / "base" / "review.csv"
    assert Path(info["paths"]["html"]).is_file()
    fill_sheet(csv_path, {r["id"]: r["rubric_score"] for r in read_sheet(csv_path)})
    shown = runner.invoke(app, ["review", "import", str(csv_path), "-w", str(workspace)])
    assert shown.exit_code == 0, shown.output
    assert "Cohen's kappa" in shown.stdout and "100.0 %" in shown.stdout and "agreement.json" in shown.stdout
    as_json = json.loads(runner.invoke(app, ["review", "import", str(csv_path), "-w", str(workspace),
                                             "--json"]).stdout)
    assert as_json["n_graded"] == 12 and as_json["raw_agreement"] == 1.0 and as_json["kappa"] == 1.0


def test_cli_resolves_latest_to_the_newest_run(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["review", "export", "-w", str(workspace), "--model", "latest", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["total"] == 6 and info["paths"]["csv"] == str(workspace / "reports" / "eval" / RUN / "review.csv")


def test_cli_names_a_model_that_was_not_evaluated(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["review", "export", "-w", str(workspace), "--model", "nope"])
    assert isinstance(result.exception, TunedeskError)
    message = str(result.exception)
    assert "no evaluation of 'nope'" in message and f"evaluated: {RUN}, base" in message
    assert "tunedesk eval -w" in message and "--model nope" in message


def test_cli_import_of_a_bad_sheet_lists_the_rows_set_aside(workspace: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    sheet = tmp_path / "sheet.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["id", "human_score"], ["zendesk:0#1", "3"], ["zendesk:1#1", "excellent"]])
    sheet.write_text(buffer.getvalue(), encoding="utf-8")
    result = CliRunner().invoke(app, ["review", "import", str(sheet), "-w", str(workspace)])
    assert result.exit_code == 0, result.output
    assert "line 3: field 'human_score': 'excellent' is not a grade" in result.stdout
