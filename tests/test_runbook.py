"""`tunedesk runbook`, `backup` and `restore` on a tiny workspace with two promoted versions (fake evaluation
folders: no model is loaded): the sections, the configured thresholds, every printed command parsed by the CLI, the
rollback target the registry really restores, and the backup / restore procedure run exactly as the runbook prints
it."""

from __future__ import annotations

import functools
import gc
import json
import re
import shlex
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from pydantic import ValidationError
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from tunedesk.cli.main import app, main
from tunedesk.config import Config, merge, parse_overrides
from tunedesk.errors import ConfigError
from tunedesk.eval import gate
from tunedesk.runbook.backup import BackupError, sqlite_path
from tunedesk.runbook.stage import printed_commands
from tunedesk.scaffold import init_workspace
from tunedesk.store.model_registry import ModelRegistry
from tunedesk.workspace import Workspace

N = 60
CONFIG = {"drift": {"max_category_shift": 0.23, "max_embedding_shift": 0.07, "max_far_share": 0.31,
                    "far_similarity": 0.44, "min_new_edits": 17, "min_tickets": 12, "window_days": 21},
          "gate": {"min_score_3": 0.77, "max_score_1": 0.04, "min_escalation_recall": 0.93, "min_items": 40},
          "serve": {"rollout_percent": 35, "mode": "draft", "api_keys_env": "ACME_SUPPORT_KEYS", "port": 9123},
          "sources": [{"path": "exports/tickets.json", "format": "zendesk"}]}
SECTIONS = ["What is deployed now", "Ingest new data and retrain", "Evaluate and read the report", "Promote",
            "Roll back", "Staged rollout", "Rotate API keys", "Back up and restore the store", "Where things are",
            "Retraining-trigger policy", "Incident checklist"]
runner = CliRunner()


def fake_eval(ws: Workspace, version: str, score_3: int) -> None:
    """reports/eval/<version>/ as `tunedesk eval` writes it, clearly beating its retrieval baseline."""
    folder = ws.output_dir("reports") / "eval" / version
    folder.mkdir(parents=True, exist_ok=True)
    scores = [3] * score_3 + [2] * (N - score_3)
    (folder / "replies.jsonl").write_text("".join(json.dumps({"id": f"h{i}", "reference": "ref", "score": s}) + "\n"
                                                  for i, s in enumerate(scores)))
    base = round(score_3 / N / 2, 4)
    summary = {"model": version, "kind": "run", "n": N, "score_3": score_3 / N, "score_1": 0.0,
               "escalation_recall": 1.0, "auto_sent": 0, "auto_sent_wrong_share": None,
               "baselines": {"retrieval": {"n": N, "score_3": base, "score_1": 0.5}},
               "vs_baselines": {"retrieval": {"n": N, "score_3_delta": base, "score_3_delta_ci": [base / 2, base]}}}
    (folder / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace with custom thresholds, where run-a was promoted, then replaced by run-b."""
    root = tmp_path / "ws"
    init_workspace(root, example=False)
    config = yaml.safe_load((root / "tunedesk.yaml").read_text()) or {}
    (root / "tunedesk.yaml").write_text(yaml.safe_dump({**config, **CONFIG}))
    (root / "data").mkdir()
    (root / "data" / "holdout.jsonl").write_text("".join(json.dumps({"id": f"h{i}"}) + "\n" for i in range(N)))
    workspace = Workspace.open(root)
    for version, score_3 in (("run-a", 52), ("run-b", 55)):
        fake_eval(workspace, version, score_3)
        assert gate.promote(workspace, version).promoted
    return workspace


def write(ws: Workspace) -> str:
    result = runner.invoke(app, ["runbook", "-w", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert str(ws.root / "reports" / "runbook.md") in result.output.replace("\n", "")
    return (ws.root / "reports" / "runbook.md").read_text(encoding="utf-8")


def section(markdown: str, title: str) -> str:
    """The text of one `## n. title` section."""
    start = markdown.index(title)
    end = markdown.find("\n## ", start)
    return markdown[start: end if end >= 0 else None]


def invoke_printed(command: str) -> Result:
    """Run one printed `tunedesk ...` line through the CLI, as a person would paste it."""
    return runner.invoke(app, shlex.split(command, comments=True)[1:])


@functools.cache
def cli_tree() -> Any:
    """The click command tree of the `tunedesk` app (built once: building it takes about a second)."""
    return typer.main.get_command(app)


class NotACommand(Exception):
    """A printed command line the CLI does not accept."""


def parse_with_cli(command: str) -> None:
    """Resolve a printed command line to a CLI command and parse its options and arguments (nothing runs): a
    renamed command or option raises NotACommand."""
    args = shlex.split(command, comments=True)
    while args and "=" in args[0] and args[0] != "tunedesk":  # leading VAR=value assignments
        args.pop(0)
    assert args[0] == "tunedesk", command
    cmd, name, rest = cli_tree(), "tunedesk", args[1:]  # a (vendored) click Command
    try:
        while isinstance(cmd, TyperGroup):
            name, rest = rest[0], rest[1:]
            found = cmd.get_command(typer.Context(cmd), name)
            if found is None:
                raise NotACommand(f"no command {name!r}: {command!r}")
            cmd = found
        cmd.make_context(name, list(rest), resilient_parsing=False)  # click consumes the list it parses
    except typer.TyperException as exc:
        raise NotACommand(f"{command!r}: {exc}") from exc
    overrides = [w for w in rest if re.match(r"^[a-z_]+(\.[a-z_]+)+=", w)]
    try:  # the key=value overrides it shows name real keys with valid values
        Config.model_validate(merge(Config().model_dump(mode="json"), parse_overrides(overrides)))
    except (ValidationError, ConfigError) as exc:
        raise NotACommand(f"{command!r}: {exc}") from exc


def test_the_runbook_has_every_section_and_names_the_deployed_versions(ws: Workspace) -> None:
    markdown = write(ws)
    for number, title in enumerate(SECTIONS, start=1):
        assert f"## {number}. {title}" in markdown
    deployed = section(markdown, "What is deployed now")
    assert "serves **run-b**: the registry's production version" in deployed
    assert "Production: **run-b**" in deployed and "Rollback target: **run-a**" in deployed
    assert "score 3 91.7%" in deployed and "retrieval score 3 45.8%" in deployed
    assert "| no_regression | yes |" in deployed and "| run-a | archived |" in deployed
    assert f"tunedesk rollback -w {ws.root}" in section(markdown, "Roll back")
    assert "brings back **run-a**" in section(markdown, "Roll back")
    assert "<table>" in (ws.root / "reports" / "runbook.html").read_text()


def test_a_new_workspace_gets_a_runbook_that_says_nothing_is_promoted(tmp_path: Path) -> None:
    init_workspace(tmp_path / "new", example=False)
    markdown = write(Workspace.open(tmp_path / "new"))
    assert "serves **base**: the untuned base model" in markdown and "Production: none" in markdown
    assert "Nothing is in production, so there is nothing to roll back" in markdown
    assert "tunedesk ingest PATH/TO/EXPORT -w" in markdown
    for command in printed_commands(markdown):
        parse_with_cli(command)


def test_the_configured_thresholds_and_settings_appear(ws: Workspace) -> None:
    markdown = write(ws)
    policy = section(markdown, "Retraining-trigger policy")
    for text in ("> 0.23 (`drift.max_category_shift`)", "> 0.07 (`drift.max_embedding_shift`)",
                 "more than 31% of recent tickets", "similarity ≥ 0.44", "at least 17 agent edits",
                 "fewer than 12 recent tickets", "last 21 days", "policies.yaml changed since the run",
                 f"tunedesk drift --run run-b -w {ws.root}"):
        assert text in policy, text
    promote = section(markdown, "Promote")
    for text in ("≥ 0.77 (`gate.min_score_3`)", "< 0.04 (`gate.max_score_1`)", "≥ 0.93", "at least 40 held-out"):
        assert text in promote, text
    assert "`serve.rollout_percent: 35`" in markdown and "`serve.mode: draft`" in markdown
    assert "`TUNEDESK_API_KEYS`" not in markdown and "export ACME_SUPPORT_KEYS=NEW_KEY,OLD_KEY" in markdown
    assert "`exports/tickets.json` (format zendesk)" in markdown and f"tunedesk ingest -w {ws.root}" in markdown
    assert "http://127.0.0.1:9123/ui" in markdown


def test_a_trigger_switched_off_is_said_to_be_off(ws: Workspace) -> None:
    config = yaml.safe_load((ws.root / "tunedesk.yaml").read_text())
    config["drift"]["retrain_on_policy_change"] = False
    (ws.root / "tunedesk.yaml").write_text(yaml.safe_dump(config))
    policy = section(write(ws), "Retraining-trigger policy")
    assert "policy changes: **not a trigger here**" in policy and "policies.yaml changed" not in policy


def test_every_printed_command_exists_in_the_cli(ws: Workspace) -> None:
    commands = printed_commands(write(ws))
    assert len(commands) >= 30
    names = {shlex.split(c)[1] for c in commands}
    assert {"ingest", "clean", "build", "validate", "train", "eval", "report", "promote", "rollback", "serve",
            "backup", "restore", "drift", "retrain", "feedback", "models", "runbook"} <= names
    for command in commands:
        parse_with_cli(command)


@pytest.mark.parametrize("renamed", ["tunedesk rolback -w ws", "tunedesk rollback --too run-a -w ws",
                                     "tunedesk feedback exports -w ws", "tunedesk eval --modle latest -w ws",
                                     "tunedesk serve serve.rollout_pct=25 -w ws", "tunedesk serve serve.mode=on -w ws"])
def test_the_command_check_catches_a_renamed_command_or_option(renamed: str) -> None:
    with pytest.raises(NotACommand):
        parse_with_cli(renamed)


def test_the_named_rollback_target_is_what_rollback_restores(ws: Workspace) -> None:
    write(ws)
    result = invoke_printed(f"tunedesk rollback -w {shlex.quote(str(ws.root))}")
    assert result.exit_code == 0 and "run-a" in result.output
    production = ModelRegistry(ws.store).production()
    assert production is not None and production.id == "run-a"
    markdown = write(ws)  # after the rollback: run-a serves, and run-b is what a second rollback brings back
    assert "Production: **run-a**" in markdown and "Rollback target: **run-b**" in markdown


def test_the_printed_backup_and_restore_bring_back_a_corrupted_store(ws: Workspace) -> None:
    backup_cmd, restore_cmd = (c for c in printed_commands(section(write(ws), "Back up and restore"))
                               if c.split()[1] in ("backup", "restore"))
    assert invoke_printed(backup_cmd).exit_code == 0
    assert invoke_printed(f"tunedesk rollback -w {shlex.quote(str(ws.root))}").exit_code == 0  # after the backup
    db = sqlite_path(ws)
    ws.store.close()
    gc.collect()  # close the connections of the commands run in this process, as a stopped server has
    db.write_bytes(b"not a database" * 100)  # corrupted on disk ...
    for sidecar in ("-wal", "-shm"):
        db.with_name(db.name + sidecar).unlink(missing_ok=True)
    assert runner.invoke(app, ["models", "-w", str(ws.root)]).exit_code != 0
    restored = invoke_printed(restore_cmd)
    assert restored.exit_code == 0, restored.output
    reopened = Workspace.open(ws.root)
    production = ModelRegistry(reopened.store).production()
    assert production is not None and production.id == "run-b"  # the state at backup time
    assert [v.id for v in ModelRegistry(reopened.store).versions()] == ["run-b", "run-a"]
    kept = list(db.parent.glob(f"{db.name}.replaced-*"))
    assert kept and kept[0].read_bytes().startswith(b"not a database")  # the broken store is kept, not deleted


def test_a_deleted_store_is_restored_from_a_named_backup(ws: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "offsite" / "store.db"
    assert runner.invoke(app, ["backup", "-w", str(ws.root), "--out", str(target)]).exit_code == 0
    db = sqlite_path(ws)
    ws.store.close()
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    result = runner.invoke(app, ["restore", str(target), "-w", str(ws.root), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["counts"]["model_versions"] == 2
    assert ModelRegistry(Workspace.open(ws.root).store).get("run-b").status == "production"


def test_a_backup_holds_what_is_still_in_the_write_ahead_log(ws: Workspace, tmp_path: Path) -> None:
    db = sqlite_path(ws)
    wal = db.with_name(db.name + "-wal")
    assert wal.is_file() and wal.stat().st_size > 0  # the registry's writes are not checkpointed yet
    target = tmp_path / "b.db"
    assert runner.invoke(app, ["backup", "-w", str(ws.root), "--out", str(target)]).exit_code == 0
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM model_versions").fetchone()[0] == 2


def test_a_bad_backup_is_refused_and_the_store_left_alone(ws: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 500)
    before = sqlite_path(ws).read_bytes()
    result = runner.invoke(app, ["restore", str(bad), "-w", str(ws.root)])
    assert result.exit_code != 0 and isinstance(result.exception, BackupError)
    assert "not a readable SQLite database" in str(result.exception)
    assert sqlite_path(ws).read_bytes() == before and not list(ws.root.glob("*.replaced-*"))


def test_a_server_database_is_sent_to_its_own_tools(tmp_path: Path) -> None:
    init_workspace(tmp_path / "pg", example=False)
    ws = Workspace.open(tmp_path / "pg", ["store.url=postgresql+psycopg://tunedesk:s3cret@db.internal/support"])
    with pytest.raises(BackupError) as caught:
        sqlite_path(ws)
    assert "pg_dump" in str(caught.value) and "s3cret" not in str(caught.value)


@pytest.mark.parametrize("args", [["runbook"], ["backup"], ["restore", "latest"]])
def test_a_missing_workspace_is_a_clean_error(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["tunedesk", *args, "-w", str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "is not a tunedesk workspace" in " ".join(err.split()) and "Traceback" not in err


def test_restore_latest_without_any_backup_says_how_to_make_one(ws: Workspace) -> None:
    result = runner.invoke(app, ["restore", "latest", "-w", str(ws.root)])
    assert isinstance(result.exception, BackupError) and "tunedesk backup" in str(result.exception)
