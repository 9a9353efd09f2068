"""The run registry: `runs/<id>/run.json` per training run, newest last; `latest` names the newest."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tunedesk.errors import TunedeskError


class RunError(TunedeskError):
    """A run cannot be found or used."""


@dataclass
class Run:
    """A run folder and its record."""

    path: Path
    record: dict[str, Any]

    @property
    def id(self) -> str:
        """The run's id (its folder name)."""
        return self.path.name

    @property
    def model_dir(self) -> Path:
        """The adapter or model with its tokenizer and chat template."""
        return self.path / "model"

    def save(self) -> None:
        """Write run.json atomically (a reader never sees half a record); only the main process writes."""
        if not is_main_process():
            return
        tmp = self.path / ".run.json.tmp"
        tmp.write_text(json.dumps(self.record, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.path / "run.json")

    def update(self, **fields: object) -> None:
        """Change fields of the record and save it."""
        self.record.update(fields)
        self.save()

    def metrics(self) -> list[dict[str, Any]]:
        """The rows of the run's metrics.jsonl, one per logged step or validation pass (none before the first)."""
        path = self.path / "metrics.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def runs_dir(workspace_root: Path) -> Path:
    """The workspace's runs folder."""
    return workspace_root / "runs"


def is_main_process() -> bool:
    """True unless this is a non-zero rank of a distributed launch (accelerate launch, torchrun)."""
    return os.environ.get("RANK", "0") == "0"


def new_run(workspace_root: Path, method: str, record: dict[str, Any]) -> Run:
    """Create a fresh run folder with a sortable id such as 20261121-101500-lora.

    Under a distributed launch every process calls this: rank 0 creates the folder and publishes its id in a file
    named after the launch (MASTER_ADDR:MASTER_PORT), the other ranks read it, so all write into one run.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return _shared_run(workspace_root, method, record)
    return _create_run(workspace_root, method, record)


def _shared_run(workspace_root: Path, method: str, record: dict[str, Any]) -> Run:
    import time

    launch = f"{os.environ.get('MASTER_ADDR', 'local')}-{os.environ.get('MASTER_PORT', '0')}".replace(":", "-")
    marker = runs_dir(workspace_root) / f".launch-{launch}"
    if is_main_process():
        run = _create_run(workspace_root, method, record)
        marker.write_text(run.id, encoding="utf-8")
        return run
    for _ in range(600):
        if marker.is_file():
            folder = runs_dir(workspace_root) / marker.read_text(encoding="utf-8").strip()
            return Run(folder, json.loads((folder / "run.json").read_text(encoding="utf-8")))
        time.sleep(0.5)
    raise RunError(f"rank {os.environ.get('RANK')}: rank 0 did not create the run within 5 minutes ({marker})")


def _create_run(workspace_root: Path, method: str, record: dict[str, Any]) -> Run:
    now = datetime.now(UTC)
    base = f"{now:%Y%m%d-%H%M%S}-{method}"
    folder = runs_dir(workspace_root) / base
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = runs_dir(workspace_root) / f"{base}-{suffix}"
    folder.mkdir(parents=True)
    run = Run(folder, {"id": folder.name, "created": now.isoformat(timespec="seconds"), "status": "running",
                       **record})
    run.save()
    return run


def list_runs(workspace_root: Path) -> list[Run]:
    """Every run with a readable record, oldest first; unreadable folders are skipped."""
    out = []
    for folder in sorted(runs_dir(workspace_root).glob("*/run.json")):
        try:
            out.append(Run(folder.parent, json.loads(folder.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    return out


def find_run(workspace_root: Path, name: str) -> Run:
    """A run by id, unique id prefix, folder path, or `latest`."""
    runs = list_runs(workspace_root)
    if name == "latest":
        candidates = [r for r in runs if not is_calibration(r)]  # calibration runs forecast, they are not candidates
        if not candidates:
            raise RunError(f"no runs yet in {runs_dir(workspace_root)}: start one with `tunedesk train`")
        return candidates[-1]
    path = Path(name)
    if (path / "run.json").is_file():
        return Run(path, json.loads((path / "run.json").read_text(encoding="utf-8")))
    matches = [r for r in runs if r.id == name] or [r for r in runs if r.id.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(r.id for r in runs[-5:]) or "none yet"
        raise RunError(f"no run {name!r} in {runs_dir(workspace_root)} (recent: {known})")
    raise RunError(f"{name!r} matches several runs: {', '.join(r.id for r in matches)}")


def is_calibration(run: Run) -> bool:
    """True for a calibration run (`tunedesk train --calibrate`): it forecasts the full run and is never a candidate
    for evaluation, promotion or serving."""
    return bool(run.record.get("calibration"))
