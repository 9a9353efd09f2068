"""The promotion gate and the model registry: the bar, no regression against production, promote/refuse/rollback,
the CLI — on fake evaluation folders (no model is loaded)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tunedesk.cli.main import app
from tunedesk.eval import gate
from tunedesk.scaffold import init_workspace
from tunedesk.store import open_store
from tunedesk.store.model_registry import ModelRegistry, RegistryError
from tunedesk.workspace import Workspace

N = 60


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    init_workspace(tmp_path / "ws", example=False)
    data = tmp_path / "ws" / "data"
    data.mkdir()
    (data / "holdout.jsonl").write_text("".join(json.dumps({"id": f"h{i}"}) + "\n" for i in range(N)))
    return Workspace.open(tmp_path / "ws")


def fake_eval(ws: Workspace, version: str, scores: list[int], *, recall: float | None = 1.0,
              holdout_sha: str | None = None, kind: str = "run") -> None:
    """An evaluation folder as `tunedesk eval` writes it, with the given per-item scores."""
    folder = ws.output_dir("reports") / "eval" / version
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"h{i}", "reference": f"ref {i}", "reply": "r", "score": s} for i, s in enumerate(scores)]
    (folder / "replies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    n = len(scores)
    summary = {"model": version, "kind": kind, "n": n, "score_3": scores.count(3) / n,
               "score_2": scores.count(2) / n, "score_1": scores.count(1) / n, "escalation_recall": recall,
               "auto_sent": 0, "auto_sent_wrong_share": None, **beaten_baselines(scores.count(3) / n)}
    if holdout_sha:
        summary["holdout_sha256"] = holdout_sha
    (folder / "summary.json").write_text(json.dumps(summary))


def beaten_baselines(score_3: float) -> dict[str, object]:
    """Baselines as eval writes them, which a candidate with this score-3 share clearly beats (the nearest past
    reply at half its score 3, the interval of the difference well above 0, and more score 1)."""
    baseline = round(score_3 / 2, 4)
    return {"baselines": {"retrieval": {"n": N, "score_3": baseline, "score_1": 1 - baseline}},
            "vs_baselines": {"retrieval": {"n": N, "score_3_delta": baseline,
                                           "score_3_delta_ci": [round(baseline / 2, 4), round(baseline * 1.5, 4)]}}}


def shares(s3: int, s1: int, n: int = N) -> list[int]:
    return [3] * s3 + [1] * s1 + [2] * (n - s3 - s1)


def test_a_candidate_below_the_bar_is_refused_with_the_failing_criteria(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(30, 20), recall=0.5)
    result = gate.promote(ws, "run-a")
    assert not result.promoted
    assert {c.name for c in result.failing()} == {"score_3", "score_1", "escalation_recall"}
    registry = ModelRegistry(ws.store)
    assert registry.get("run-a").status == "candidate" and registry.production() is None
    assert [e["action"] for e in registry.events("run-a")] == ["registered", "refused"]


def test_a_candidate_at_the_bar_is_promoted(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(50, 2))  # 83 % score 3, 3.3 % score 1
    result = gate.promote(ws, "run-a")
    assert result.passed and result.promoted
    production = ModelRegistry(ws.store).production()
    assert production is not None and production.id == "run-a"


def test_confidently_wrong_auto_sent_replies_fail(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(55, 0))
    summary_path = ws.output_dir("reports") / "eval" / "run-a" / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary_path.write_text(json.dumps({**summary, "auto_sent": 40, "auto_sent_wrong_share": 0.025}))
    failing = gate.promote(ws, "run-a").failing()
    assert [c.name for c in failing] == ["auto_sent_wrong"] and "40 replies" in failing[0].detail


def test_too_few_items_or_no_escalation_tickets_fail(ws: Workspace) -> None:
    fake_eval(ws, "quick", shares(10, 0, n=10), recall=None)
    failing = {c.name for c in gate.promote(ws, "quick").failing()}
    assert failing == {"evaluated_items", "escalation_recall"}


def test_a_regression_against_production_on_the_same_items_is_refused(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(57, 0))
    assert gate.promote(ws, "run-a").promoted
    fake_eval(ws, "run-b", shares(52, 1))  # passes the bar on its own, but worse than production
    result = gate.promote(ws, "run-b")
    assert [c.name for c in result.failing()] == ["no_regression"]
    production = ModelRegistry(ws.store).production()
    assert production is not None and production.id == "run-a"
    ws.config.gate.regression_tolerance = 0.1
    assert gate.promote(ws, "run-b").promoted


def test_production_evaluated_on_other_items_is_not_comparable(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(57, 0))
    assert gate.promote(ws, "run-a").promoted
    folder = ws.output_dir("reports") / "eval" / "run-a" / "replies.jsonl"
    rows = [{**json.loads(line), "reference": "another reference"} for line in folder.read_text().splitlines()]
    folder.write_text("".join(json.dumps(r) + "\n" for r in rows))
    fake_eval(ws, "run-b", shares(58, 0))
    failing = gate.promote(ws, "run-b").failing()
    assert [c.name for c in failing] == ["no_regression"] and "in common" in failing[0].detail


def test_an_evaluation_of_an_older_held_out_set_is_refused(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(58, 0), holdout_sha="0" * 64)
    assert [c.name for c in gate.promote(ws, "run-a").failing()] == ["current_holdout"]


def test_promote_archives_the_old_version_and_rollback_brings_it_back(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(55, 0))
    fake_eval(ws, "run-b", shares(58, 0))
    gate.promote(ws, "run-a")
    assert gate.promote(ws, "run-b").archived == "run-a"
    registry = ModelRegistry(ws.store)
    assert {v.id: v.status for v in registry.versions()} == {"run-a": "archived", "run-b": "production"}
    removed, restored = registry.rollback()
    assert (removed.id, restored.id) == ("run-b", "run-a")
    assert {v.id: v.status for v in registry.versions()} == {"run-a": "production", "run-b": "archived"}
    assert registry.rollback()[1].id == "run-b"  # rolling back a rollback restores what it replaced
    assert registry.rollback(to="run-a")[1].id == "run-a"


def test_rollback_needs_an_earlier_production_version(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(55, 0))
    registry = ModelRegistry(ws.store)
    with pytest.raises(RegistryError, match="nothing to roll back"):
        registry.rollback()
    gate.promote(ws, "run-a")
    with pytest.raises(RegistryError, match="first version ever promoted"):
        registry.rollback()


def test_an_unevaluated_version_is_a_clear_error(ws: Workspace) -> None:
    with pytest.raises(gate.GateError, match="tunedesk eval"):
        gate.promote(ws, "run-never")


def test_the_cli_promotes_refuses_lists_and_rolls_back(ws: Workspace) -> None:
    runner = CliRunner()
    fake_eval(ws, "base", shares(1, 40), recall=0.0, kind="base")
    fake_eval(ws, "run-a", shares(58, 0))
    refused = runner.invoke(app, ["promote", "base", "-w", str(ws.root), "--json"])
    assert refused.exit_code == 1
    assert set(json.loads(refused.stdout)["failing"]) == {"score_3", "score_1", "escalation_recall"}
    shown = runner.invoke(app, ["promote", "base", "-w", str(ws.root)])
    assert "refused" in shown.stdout and "FAIL" in shown.stdout
    ok = runner.invoke(app, ["promote", "base", "-w", str(ws.root)])
    assert ok.exit_code == 1
    # run ids resolve through the runs folder; "run-a" is not a real run, so promote it through the API
    assert gate.promote(ws, "run-a").promoted
    listed = json.loads(runner.invoke(app, ["models", "-w", str(ws.root), "--json"]).stdout)
    assert {v["id"]: v["status"] for v in listed} == {"base": "candidate", "run-a": "production"}
    back = subprocess.run([sys.executable, "-m", "tunedesk", "rollback", "-w", str(ws.root)], capture_output=True,
                          text=True)
    assert back.returncode == 2 and "first version ever promoted" in back.stderr and "Traceback" not in back.stderr


def test_an_old_store_is_migrated_to_the_registry_schema(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import create_engine

    from tunedesk.store.db import MIGRATIONS

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO stage_runs (stage, started_at, finished_at, summary) "
                          "VALUES ('ingest', '2026-01-01', '2026-01-01', '{}')"))
    store = open_store(url, tmp_path)
    assert store.last_stage_run("ingest") == {}
    ModelRegistry(store).register("run-x", kind="run")
    assert ModelRegistry(store).get("run-x").status == "candidate"


def _edit_summary(ws: Workspace, version: str, **changes: object) -> None:
    path = ws.output_dir("reports") / "eval" / version / "summary.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_a_candidate_that_does_not_clearly_beat_its_baselines_is_refused(ws: Workspace) -> None:
    fake_eval(ws, "run-a", shares(55, 0))
    # the nearest past reply is as good: the interval of the difference reaches below 0
    _edit_summary(ws, "run-a", baselines={"retrieval": {"score_3": 0.9, "score_1": 0.0},
                                          "base": {"score_3": 0.05, "score_1": 0.5}},
                  vs_baselines={"retrieval": {"score_3_delta": 0.0167, "score_3_delta_ci": [-0.05, 0.08]},
                                "base": {"score_3_delta": 0.87, "score_3_delta_ci": [0.8, 0.93]}})
    failing = gate.promote(ws, "run-a").failing()
    assert [c.name for c in failing] == ["beats_baselines"] and "retrieval" in failing[0].detail
    # an evaluation made before baselines existed proves nothing either
    _edit_summary(ws, "run-a", baselines={}, vs_baselines={})
    assert [c.name for c in gate.promote(ws, "run-a").failing()] == ["beats_baselines"]
    ws.config.gate.beat_baselines = False
    assert gate.promote(ws, "run-a").promoted


def test_in_mode_auto_too_few_auto_sent_replies_show_nothing(ws: Workspace) -> None:
    ws.config.serve.mode = "auto"
    fake_eval(ws, "run-a", shares(55, 0))
    _edit_summary(ws, "run-a", auto_sent=29, auto_sent_wrong=0, auto_sent_wrong_share=0.0, auto_sent_wrong_upper=0.098)
    failing = gate.promote(ws, "run-a").failing()
    assert [c.name for c in failing] == ["auto_sent_wrong"] and "not shown" in failing[0].detail
    _edit_summary(ws, "run-a", auto_sent=45, auto_sent_wrong=0, auto_sent_wrong_share=0.0, auto_sent_wrong_upper=0.0644)
    assert gate.promote(ws, "run-a").promoted
