"""An ingest killed midway and run again leaves the same store as one uninterrupted run."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tunedesk.ingest import stage as ingest
from tunedesk.scaffold import init_workspace
from tunedesk.store import Store
from tunedesk.workspace import Workspace


def make_workspace(root: Path, tickets: int) -> Path:
    init_workspace(root, example=True, example_tickets=tickets)
    export = root / "exports" / "zendesk_tickets.jsonl"
    lines = export.read_text().splitlines()
    lines.insert(len(lines) // 3, '{"id": broken')            # quarantined: bad JSON
    lines.insert(2 * len(lines) // 3, '{"subject": "no id"}')   # quarantined: missing id
    export.write_text("\n".join(lines) + "\n")
    return root


def dump(root: Path) -> dict[str, list[tuple]]:
    """The store's content, with workspace paths made relative so two workspaces compare."""
    con = sqlite3.connect(root / "tunedesk.db")
    prefix = str(root.resolve())
    quarantine = [(s, f.replace(prefix, ""), loc, reason, field) for s, f, loc, reason, field in
                  con.execute("SELECT stage, source_file, locator, reason, field FROM quarantine ORDER BY 2, 3")]
    return {
        "tickets": con.execute("SELECT id, content_hash, data FROM tickets ORDER BY id").fetchall(),
        "articles": con.execute("SELECT id, content_hash FROM articles ORDER BY id").fetchall(),
        "quarantine": quarantine,
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    root = make_workspace(tmp_path_factory.mktemp("reference") / "ws", 400)
    ingest.run(Workspace.open(root, ["ingest.batch_size=40"]))
    return dump(root)


def test_interrupted_by_a_failure_then_rerun_equals_one_run(tmp_path: Path, reference: dict,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "ws", 400)
    real = Store.upsert_tickets
    calls = {"n": 0}

    def failing(self: Store, tickets: list) -> object:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the fourth batch
        return real(self, tickets)

    monkeypatch.setattr(Store, "upsert_tickets", failing)
    with pytest.raises(KeyboardInterrupt):
        ingest.run(Workspace.open(root, ["ingest.batch_size=40"]))
    partial = dump(root)
    assert 0 < len(partial["tickets"]) < len(reference["tickets"])
    monkeypatch.setattr(Store, "upsert_tickets", real)
    ingest.run(Workspace.open(root, ["ingest.batch_size=40"]))
    assert dump(root) == reference


def test_killed_process_then_rerun_equals_one_run(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", TICKETS)
    killed_midway = False
    for _attempt in range(5):
        (root / "tunedesk.db").unlink(missing_ok=True)
        proc = subprocess.Popen(ingest_command(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        count = _wait_for_rows(root / "tunedesk.db", proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if 0 < count < TICKETS and proc.returncode == -signal.SIGKILL:
            killed_midway = True
            break
    assert killed_midway, "could not kill the ingest between two commits"
    subprocess.run(ingest_command(root), check=True, capture_output=True, timeout=300)
    after_kill = dump(root)

    fresh = make_workspace(tmp_path / "fresh", TICKETS)
    subprocess.run(ingest_command(fresh), check=True, capture_output=True, timeout=300)
    assert after_kill == dump(fresh)
    assert len(after_kill["tickets"]) == TICKETS and len(after_kill["quarantine"]) == 2


TICKETS = 1500


def ingest_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "tunedesk", "ingest", "-w", str(root), "-q", "ingest.batch_size=10"]


def _wait_for_rows(db: Path, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> int:
    """Poll until the running ingest has committed some tickets; return how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            count = sqlite3.connect(db, timeout=0.1).execute("SELECT count(*) FROM tickets").fetchone()[0]
        except sqlite3.Error:
            count = 0
        if count:
            return int(count)
        time.sleep(0.005)
    return -1
