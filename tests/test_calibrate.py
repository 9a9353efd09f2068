"""Calibration runs (`tunedesk train --calibrate`): slices and budgets, validation only, the fitted curve and its
forecast, the reports, and calibration runs kept out of promotion and `latest` — on the tiny random model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tiny_data import tiny_workspace
from tunedesk.errors import ConfigError
from tunedesk.eval import calibrate, gate
from tunedesk.eval.calibrate_records import CalibrationSummary, FullRun
from tunedesk.eval.forecast import verdict
from tunedesk.store.runs import RunError, find_run, list_runs
from tunedesk.train.curve import (
    CurveError,
    bootstrap_interval,
    loss_curve,
    share_at,
    share_curve,
    tokens_for_share,
)
from tunedesk.workspace import Workspace

pytestmark = pytest.mark.xdist_group("train")

FAST = ["train.max_steps=4", "train.batch_tokens=256", "train.micro_batch_tokens=256", "train.learning_rate=0.01",
        "train.calibration.shares=[0.25, 0.5]", "train.calibration.val_limit=null", "train.calibration.bootstrap=100"]


def test_a_known_line_gives_the_known_forecast_inside_its_interval() -> None:
    tokens = [math.exp(7), math.exp(8), math.exp(9)]
    curve = share_curve(tokens, [0.2, 0.3, 0.4])
    assert share_at(curve, math.exp(10)) == pytest.approx(0.5)
    assert tokens_for_share(curve, 0.6) == pytest.approx(math.exp(11))
    n = 200  # item scores whose shares lie exactly on that line: 40, 60 and 80 of 200 items score 3
    rows = [[3] * k + [1] * (n - k) for k in (40, 60, 80)]
    low, high = bootstrap_interval(tokens, rows, math.exp(10), resamples=300, seed=1)
    assert low < 0.5 < high
    assert high - low < 0.3


def test_the_loss_power_law_and_bad_points() -> None:
    tokens = [1e3, 1e4, 1e5]
    law = loss_curve(tokens, [3.0 * t ** -0.2 for t in tokens])
    assert law.scale == pytest.approx(3.0)
    assert law.exponent == pytest.approx(-0.2)
    assert law.at(1e6) == pytest.approx(3.0 * 1e6 ** -0.2)
    with pytest.raises(CurveError):
        share_curve([1e3, 1e3], [0.1, 0.2])
    with pytest.raises(CurveError, match="same validation items"):
        bootstrap_interval(tokens, [[3, 1], [3], [1, 1]], 1e6)


def test_the_verdict_follows_its_rule() -> None:
    full = FullRun(examples=100, steps=90, tokens=10_000, tokens_per_step=111.1)
    rising = {"intercept": -1.0, "slope_per_ln_token": 0.2}  # 0.2 × ln(10000) - 1 = 0.842 at the full run
    good = {"score_3": 0.842, "score_3_ci": [0.8, 0.9], "score_3_line": rising}
    assert verdict(good, 0.6, 0.8, full)["action"] == "full_run"
    assert verdict(good, 0.9, 0.8, full)["action"] != "full_run"  # below the nearest past reply
    short = {"score_3": 0.842, "score_3_ci": [0.8, 0.9], "score_3_line": rising}
    longer = verdict(short, 0.6, 0.9, full)  # the bar at ln t = 9.5: 1.3× the plan
    assert longer["action"] == "train_longer" and "train.max_steps=" in longer["recommendation"]
    flat = {"score_3": 0.3, "score_3_ci": [0.2, 0.4], "score_3_line": {"intercept": 0.3, "slope_per_ln_token": 0.0}}
    assert verdict(flat, 0.6, 0.8, full)["action"] == "change_approach"
    slow = {"score_3": 0.3, "score_3_ci": [0.2, 0.4], "score_3_line": {"intercept": 0.0, "slope_per_ln_token": 0.01}}
    assert verdict(slow, 0.6, 0.8, full)["action"] == "more_data_or_method"
    unbeatable = verdict(good, 1.0, 0.8, full)  # the nearest past reply is right on every validation item
    assert unbeatable["action"] == "change_approach" and "already scores 100.0%" in unbeatable["recommendation"]


def test_the_time_forecast_takes_the_validation_passes_out_of_the_speed() -> None:
    """Calibration runs spend most of their time on one validation-loss pass each: the full run's time is its
    tokens at the training speed plus its own passes, not its tokens at the runs' wall-clock speed."""
    from tunedesk.eval.calibrate_records import Point
    from tunedesk.eval.forecast import forecast

    scores = [[3, 1, 1, 3], [3, 3, 1, 1], [3, 3, 3, 1]]
    points = [Point(s, f"r{i}", 10, 1, t, t, t / 10 + 400.0, 1.0 / (i + 1), 0.5, 0.5, rows, 400.0)
              for i, (s, t, rows) in enumerate(zip((0.1, 0.2, 0.4), (1_000, 2_000, 4_000), scores, strict=True))]
    full = FullRun(examples=100, steps=100, tokens=10_000, tokens_per_step=100.0, val_passes=3)
    time = forecast(points, full, resamples=50, seed=1)
    assert time["train_seconds"] == pytest.approx(1_000.0)  # 7,000 tokens in 700 s of training: 10 tokens/s...
    assert time["val_seconds"] == pytest.approx(1_200.0)  # ...and three passes of 400 s
    assert time["seconds"] == pytest.approx(2_200.0)  # the wall-clock speed would say 10,000 / 7,000 × 1,900 s


def test_the_full_run_counts_its_validation_passes(tmp_path: Path) -> None:
    from tiny_data import tiny_overrides

    tiny_workspace(tmp_path / "ws")
    every = Workspace.open(tmp_path / "ws", tiny_overrides("train.max_steps=90", "train.eval_every=40"))
    assert calibrate.full_run(every).val_passes == 4  # the start, steps 40 and 80, the last step
    fewer = Workspace.open(tmp_path / "ws", tiny_overrides("train.max_steps=80", "train.eval_every=40",
                                                           "train.eval_at_start=false"))
    assert calibrate.full_run(fewer).val_passes == 2
    (tmp_path / "ws" / "data" / "val.jsonl").write_text("", encoding="utf-8")
    assert calibrate.full_run(every).val_passes == 0


def test_shares_that_round_to_the_same_steps_are_refused_before_training(tmp_path: Path) -> None:
    from tiny_data import tiny_overrides

    tiny_workspace(tmp_path / "ws")
    ws = Workspace.open(tmp_path / "ws", tiny_overrides("train.max_steps=4", "train.calibration.shares=[0.1, 0.2]"))
    with pytest.raises(calibrate.CalibrationError, match=r"train.calibration.shares=\[0.1, 0.2\] give \[1, 1\]"):
        calibrate.run(ws)
    assert list_runs(ws.root) == []


@pytest.mark.parametrize(("override", "key"), [("train.calibration.shares=[0.4, 0.2]", "train.calibration.shares"),
                                               ("train.calibration.shares=[0.1, 1.5]", "train.calibration.shares"),
                                               ("train.calibration.val_limit=0", "train.calibration.val_limit")])
def test_bad_calibration_config_names_the_key(tmp_path: Path, override: str, key: str) -> None:
    tiny_workspace(tmp_path / "ws")
    with pytest.raises(ConfigError) as caught:
        Workspace.open(tmp_path / "ws", [override])
    assert any(p.startswith(key) for p in caught.value.problems), caught.value.problems


def test_the_scaffold_documents_the_calibration_section(tmp_path: Path) -> None:
    tiny_workspace(tmp_path / "ws")
    text = (tmp_path / "ws" / "tunedesk.yaml").read_text(encoding="utf-8")
    assert "calibration:" in text and "shares:" in text and "val_limit:" in text


Calibrated = tuple[Workspace, CalibrationSummary, list[str]]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Calibrated:
    """One calibration (two tiny runs) shared by the tests below; the ids of every item answered recorded."""
    from tiny_data import tiny_overrides

    root = tmp_path_factory.mktemp("calibrate") / "ws"
    tiny_workspace(root)
    (root / "data" / "holdout.jsonl").unlink()  # anything that reads the held-out set now fails
    ws = Workspace.open(root, tiny_overrides(*FAST))
    answered: list[str] = []
    real = calibrate.answered_by

    def spy(ws, version, items, reporter=None):  # type: ignore[no-untyped-def]
        answered.extend(i.id for i in items)
        return real(ws, version, items, reporter)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calibrate, "answered_by", spy)
        return ws, calibrate.run(ws, overrides=tiny_overrides(*FAST)), answered


def test_calibration_runs_train_on_their_share_of_examples_and_tokens(
        calibrated: Calibrated) -> None:
    ws, summary, _ = calibrated
    assert summary.full.steps == 4
    assert summary.full.tokens == round(4 * summary.full.tokens_per_step)
    train_rows = [json.loads(line)["id"] for line in (ws.root / "data" / "train.jsonl").read_text().splitlines()]
    slices = []
    for point, share in zip(summary.points, (0.25, 0.5), strict=True):
        record = find_run(ws.root, point.run).record
        assert record["calibration"]["share"] == share
        assert point.examples == record["data"]["train"]["rows"] == round(share * len(train_rows))
        assert point.steps == record["steps"] == round(share * 4)
        assert point.budget_tokens == record["calibration"]["budget_tokens"] == round(share * summary.full.tokens)
        folder = find_run(ws.root, point.run).path
        assert not (folder / "checkpoints").exists()
        metrics = [json.loads(m) for m in (folder / "metrics.jsonl").read_text().splitlines()]
        evals = [m for m in metrics if "eval_loss" in m]
        assert evals and all(m["step"] > 0 for m in evals)  # the base's starting loss is not measured per slice
        assert record["final"]["val_loss_start"] is None and point.val_loss == evals[-1]["eval_loss"]
        assert 0 < point.eval_seconds == record["final"]["eval_seconds"] < point.seconds
        assert point.eval_seconds == pytest.approx(evals[-1]["eval_runtime"], abs=0.001)
        rows = (ws.root / "data" / "calibration" / f"train-{share:g}.jsonl").read_text().splitlines()
        slices.append([json.loads(r)["id"] for r in rows])
    assert slices[1][:len(slices[0])] == slices[0]  # nested slices of one shuffle
    assert set(slices[1]) <= set(train_rows)


def test_only_validation_items_are_answered(calibrated: Calibrated) -> None:
    ws, summary, answered = calibrated
    val = [json.loads(line)["id"] for line in (ws.root / "data" / "val.jsonl").read_text().splitlines()]
    assert answered == val * 3  # two calibration runs and the retrieval baseline, nothing else
    assert summary.validation["items"] == len(val)
    assert all(len(p.scores) == len(val) for p in summary.points)


def test_the_reports_are_written(calibrated: Calibrated) -> None:
    ws, summary, _ = calibrated
    reports = ws.root / "reports"
    data = json.loads((reports / "calibration.json").read_text())
    assert [p["share"] for p in data["points"]] == [0.25, 0.5]
    assert 0 <= data["forecast"]["score_3"] <= 1 and data["forecast"]["tokens"] == summary.full.tokens
    assert data["verdict"]["action"] in ("full_run", "train_longer", "more_data_or_method", "change_approach")
    text = (reports / "calibration.md").read_text()
    assert "## Verdict" in text and summary.points[0].run in text and "Rule:" in text
    assert (reports / "calibration.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_calibration_run_is_never_a_candidate(calibrated: Calibrated) -> None:
    ws, summary, _ = calibrated
    from tunedesk.answer.setup import served_version

    with pytest.raises(gate.GateError, match="calibration run"):
        gate.promote(ws, summary.points[0].run)
    assert len(list_runs(ws.root)) == 2
    with pytest.raises(RunError):
        find_run(ws.root, "latest")  # only calibration runs: nothing is the newest candidate
    assert served_version(ws)[0] == "base"


def test_the_full_runs_evaluation_checks_the_forecast(calibrated: Calibrated, tmp_path: Path) -> None:
    """Eval's validation pass (the calibrator's) scores the planned full run on the calibration's items: the forecast
    and the measured score side by side; a run of another plan is not compared, and says why."""
    import shutil

    from rich.console import Console

    from tiny_data import tiny_overrides
    from tunedesk.eval.answering import split_items
    from tunedesk.eval.console import print_eval
    from tunedesk.eval.stage import EvalSummary, eval_judge, evaluate
    from tunedesk.progress import SilentReporter
    from tunedesk.train import stage as train_stage

    ws, summary, _ = calibrated
    shutil.copytree(ws.root, tmp_path / "ws")  # the shared workspace keeps only its calibration runs
    shutil.copy(tmp_path / "ws" / "data" / "val.jsonl", tmp_path / "ws" / "data" / "holdout.jsonl")
    copy = Workspace.open(tmp_path / "ws", tiny_overrides(*FAST))
    items, judge = split_items(copy, "val"), eval_judge(copy)
    planned = train_stage.run(copy, overrides=tiny_overrides(*FAST)).run.id
    evaluated = evaluate(copy, planned, items, judge, SilentReporter())  # validation items stand in for held-out
    check = evaluated.summary["forecast_check"]
    assert check["comparable"] is True and check["calibration"] == summary.id and check["items"] == len(items)
    assert check["forecast_score_3"] == summary.forecast["score_3"]
    measured = sum(v.score == 3 for v in evaluated.verdicts) / len(items)  # the same tickets, path and seed
    assert check["measured_score_3"] == measured
    assert check["difference"] == round(measured - summary.forecast["score_3"], 4)
    console = Console(record=True, width=200)
    print_eval(console, EvalSummary(evaluated.summary, {}))
    assert f"calibration {summary.id} forecast score 3" in console.export_text()
    shorter = train_stage.run(copy, overrides=tiny_overrides(*FAST, "train.max_steps=2")).run.id
    other = evaluate(copy, shorter, items, judge, SilentReporter()).summary["forecast_check"]
    assert other["comparable"] is False and "2 optimizer steps" in other["why"]
