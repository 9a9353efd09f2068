"""The eval report: JSON deltas, a self-contained escaped HTML page with three plots, the console table, and the page
rendered by headless Chromium."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tunedesk.errors import TunedeskError
from tunedesk.eval.report import ReportError, build_report, calibration, print_report

FIXTURE = Path(__file__).parent / "fixtures" / "eval_report"
RUN = "20261121-090000-lora"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A writable copy of the hand-made reports folder (base + one run, 6 items each)."""
    target = tmp_path / "reports"
    shutil.copytree(FIXTURE, target)
    return target


def test_report_is_self_contained_with_three_plots(reports: Path) -> None:
    result = build_report(reports)
    page = result.html_path.read_text(encoding="utf-8")
    assert result.html_path == reports / "eval_report.html" and result.json_path == reports / "eval_report.json"
    assert result.candidate == RUN and result.baseline == "base"
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", page, re.IGNORECASE)
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == 3


def test_model_text_is_escaped_in_worst_items(reports: Path) -> None:
    page = build_report(reports).html_path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page
    assert "missed escalation &lt;4&gt;" in page


def test_json_has_deltas_categories_and_skipped_lines(reports: Path) -> None:
    build_report(reports)
    data = json.loads((reports / "eval_report.json").read_text(encoding="utf-8"))
    head = data["headline"]
    assert head["score_3"] == {"baseline": 0.1667, "candidate": 0.5, "delta": 0.3333}
    assert head["hallucination_rate"]["delta"] == -0.1667
    assert head["policy_accuracy"]["delta"] == 0.5
    assert head["refusal_accuracy"]["delta"] == 1.0
    assert head["escalation_precision"] == {"baseline": None, "candidate": 1.0, "delta": None}
    assert data["by_category"]["billing"]["baseline"]["score_3"] == 0.5
    assert data["by_category"]["billing"]["candidate"]["score_3"] == 1.0
    assert set(data["by_category"]) == {"billing", "returns", "legal_threat"}
    # The truncated line 4 of the run's replies.jsonl is reported, not lost silently and not a crash.
    assert data["skipped_reply_lines"] == {"base": [], RUN: [4]}
    assert data["summaries"]["candidate"]["model"] == RUN


def test_worst_items_score_1_first_then_least_confident(reports: Path) -> None:
    worst = build_report(reports).data["worst"]
    assert [w["id"] for w in worst] == ["fixture:4#1", "fixture:5#1", "fixture:3#1"]
    assert worst[0]["confidence"] == round(math.exp(-1.2), 4)
    assert worst[0]["reasons"] == ["missed escalation <4>"]


def test_default_candidate_is_newest_run_and_explicit_wins(reports: Path) -> None:
    newer = reports / "eval" / "20261122-080000-full"
    shutil.copytree(reports / "eval" / RUN, newer)
    old = (reports / "eval" / RUN / "summary.json").stat().st_mtime
    os.utime(newer / "summary.json", (old + 60, old + 60))
    assert build_report(reports).candidate == newer.name
    assert build_report(reports, candidate=RUN).candidate == RUN


def test_out_dir_leaves_reports_untouched(reports: Path, tmp_path: Path) -> None:
    result = build_report(reports, out_dir=tmp_path / "copy")
    assert result.html_path == tmp_path / "copy" / "eval_report.html" and result.html_path.is_file()
    assert not (reports / "eval_report.html").exists() and not (reports / "eval_report.json").exists()


def test_missing_baseline_names_folder_and_command(reports: Path) -> None:
    shutil.rmtree(reports / "eval" / "base")
    with pytest.raises(ReportError, match=r"eval/base.*tunedesk eval -w .* --model base") as err:
        build_report(reports)
    assert isinstance(err.value, TunedeskError)


def test_missing_candidate_names_folder_and_command(reports: Path) -> None:
    with pytest.raises(ReportError, match=r"eval/nope.*tunedesk eval -w .* --model nope"):
        build_report(reports, candidate="nope")
    shutil.rmtree(reports / "eval" / RUN)
    with pytest.raises(ReportError, match=r"no evaluated run.*--model latest"):
        build_report(reports)


def test_unreadable_summary_is_a_clear_error(reports: Path) -> None:
    (reports / "eval" / RUN / "summary.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match=rf"{RUN}/summary.json cannot be read"):
        build_report(reports, candidate=RUN)


def test_calibration_equal_count_bins_and_ece() -> None:
    # 16 replies, two per confidence level: 8 bins of 2; the top half always scores 3, the bottom half never.
    levels = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]
    rows: list[dict[str, Any]] = [{"score": 3 if c > 0.5 else 1, "confidence": {"logprob_mean": math.log(c)}}
                                  for c in levels for _ in "ab"]
    rows.append({"score": 3, "confidence": {"logprob_mean": None}})  # not recorded: left out, not a crash
    cal = calibration(rows)
    assert cal["n"] == 16 and [b["n"] for b in cal["bins"]] == [2] * 8
    assert [b["confidence"] for b in cal["bins"]] == levels
    assert [b["score_3"] for b in cal["bins"]] == [0.0] * 4 + [1.0] * 4
    assert cal["ece"] == pytest.approx(sum(min(c, 1 - c) for c in levels) / 8, abs=1e-4)
    assert calibration([]) == {"bins": [], "ece": None, "n": 0}


def test_console_table_shows_metrics_deltas_and_paths(reports: Path) -> None:
    result = build_report(reports)
    console = Console(record=True, width=160)
    print_report(result, console)
    text = console.export_text()
    assert re.search(r"score_3\s+│\s+0\.167\s+│\s+0\.500\s+│\s+\+0\.333", text)
    assert "hallucination_rate" in text and "-0.167" in text
    assert str(result.html_path) in text and str(result.json_path) in text
    assert f"1 unreadable line(s) in {RUN}/replies.jsonl" in text


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("Debian `chromium` is not installed; headless rendering check skipped")
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def test_chromium_renders_the_report_with_its_plots(reports: Path, tmp_path: Path) -> None:
    page = build_report(reports).html_path.resolve().as_uri()
    shot = tmp_path / "shot.png"
    _chromium(f"--screenshot={shot}", "--window-size=1200,2000", page)
    assert shot.is_file() and shot.stat().st_size > 20_000
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.std() > 0.05  # a blank or single-colour page would be ~0
    dom = _chromium("--dump-dom", page).stdout
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64,", dom)) == 3
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
