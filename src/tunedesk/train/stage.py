"""The train stage: build files → encoded examples → a TRL/PEFT run in runs/<id>/ with its record, metrics, loss
curve, and the adapter (or model) saved with the tokenizer and the exact chat template used.

    tunedesk train -w ws                  a new run on the workspace's config
    tunedesk train -w ws --resume RUN     continue an interrupted run from its last checkpoint
    tunedesk train -w ws --replay RUN     a new run with RUN's settings on today's data (overrides on top)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tunedesk.config import Config, dump_config, merge, parse_overrides
from tunedesk.config.policies import format_validation_errors
from tunedesk.errors import ConfigError
from tunedesk.models.base import file_hash, model_folder
from tunedesk.models.template import ChatTemplate, load_template
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.prompt.precedents import FILE_NAME, PastTickets
from tunedesk.store.runs import Run, find_run, is_main_process, new_run
from tunedesk.train import session
from tunedesk.train.data import EncodedFile, encode_file
from tunedesk.train.setup import TrainError, check_method, resolve_dtype, versions
from tunedesk.workspace import Workspace

PRECEDENTS = FILE_NAME
"""The precedent index a run keeps beside its model."""


@dataclass
class TrainSummary:
    """What one run did."""

    run: Run
    resumed: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape printed by `train --json`."""
        r = self.run.record
        return {"run": self.run.id, "status": r.get("status"), "method": r.get("method"), "resumed": self.resumed,
                "base": r.get("base", {}).get("name"), "steps": r.get("steps"), "final": r.get("final", {}),
                "data": self.data, "paths": self.paths}


def run(ws: Workspace, *, overrides: list[str] | None = None, resume: str | None = None, replay: str | None = None,
        reporter: Reporter | None = None, on_eval: Callable[[dict[str, Any]], None] | None = None,
        train_file: Path | None = None, marks: dict[str, Any] | None = None) -> TrainSummary:
    """Train a new run (or resume one) and return its summary; `train_file` replaces data/train.jsonl and `marks`
    are added to the record (a calibration run trains on a slice and says so)."""
    reporter = reporter or SilentReporter()
    if resume:
        target = find_run(ws.root, resume)
        config = _config_of(target, ws, [])
        _check_same_data(target, ws)
    else:
        config = _config_of(find_run(ws.root, replay) if replay else None, ws, overrides or [])
    check_method(config.train)
    dtype = resolve_dtype(config.train.dtype)
    template = load_template(config.model.base, ws.path(config.model.chat_template) if config.model.chat_template
                             else None)
    if resume:
        files = _encode(ws, config, template, target.record["data"], reporter)
        target.update(status="running")
    else:
        paths = _data_paths(ws, config, template, reporter)
        if train_file is not None:
            paths["train"]["path"] = str(train_file)
        files = _encode(ws, config, template, paths, reporter)
        record = {**_record(config, dtype, files, replay), "policies": policies_record(ws), **(marks or {})}
        target = new_run(ws.root, config.train.method, record)
        if is_main_process():
            (target.path / "config.yaml").write_text(dump_config(config), encoding="utf-8")
            _snapshot_data(target, files)
            _keep_precedents(target, ws, files["train"])
    summary = TrainSummary(target, resumed=bool(resume), data={k: f.summary() for k, f in files.items()})
    session.train(target, config, dtype, template, files, reporter, on_eval, resume=bool(resume))
    summary.paths = {name: str(target.path / name) for name in ("model", "metrics.jsonl", "loss.png", "run.json",
                                                                 "config.yaml", "data", PRECEDENTS)
                     if (target.path / name).exists()}
    return summary


def _config_of(source: Run | None, ws: Workspace, overrides: list[str]) -> Config:
    """The workspace config (with a replayed run's train and model sections), then the command-line overrides."""
    data = ws.config.model_dump(mode="json")
    if source is not None:
        recorded = source.record.get("config", {})
        data = merge(data, {k: recorded[k] for k in ("train", "model") if k in recorded})
    data = merge(data, parse_overrides(overrides))
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = format_validation_errors(exc)
        raise ConfigError(f"run {source.id}" if source else str(ws.root / "tunedesk.yaml"), problems) from None


def _check_same_data(target: Run, ws: Workspace) -> None:
    """Resume only on the files the run started with; changed data needs --replay."""
    from tunedesk.train.data import sha256_of

    for info in target.record.get("data", {}).values():
        path = Path(info["path"])
        if not path.is_file() or sha256_of(path) != info["sha256"]:
            raise TrainError(f"run {target.id}: {path} changed since the run started, so it cannot be resumed; "
                             f"start a new run on today's data with `tunedesk train --replay {target.id}`")
    if target.record.get("status") == "completed":
        raise TrainError(f"run {target.id} already completed (step {target.record.get('steps')}); nothing to resume")


def _data_paths(ws: Workspace, config: Config, template: ChatTemplate, reporter: Reporter) -> dict[str, dict[str, Any]]:
    """The build's train and val files; for distill, the teacher's rewrite of the training file."""
    data = ws.output_dir("data")
    paths = {"train": {"path": str(data / "train.jsonl")}, "val": {"path": str(data / "val.jsonl")}}
    if not Path(paths["train"]["path"]).is_file():
        raise TrainError(f"{paths['train']['path']} is missing: run `tunedesk build -w {ws.root}` first")
    if config.train.method == "distill":
        paths["train"]["path"] = str(session.distill_file(ws, config, Path(paths["train"]["path"]), reporter))
    if not Path(paths["val"]["path"]).is_file():
        del paths["val"]
    return paths


def _encode(ws: Workspace, config: Config, template: ChatTemplate, paths: dict[str, dict[str, Any]],
            reporter: Reporter) -> dict[str, EncodedFile]:
    max_length = config.train.max_length or config.model.max_length
    files = {}
    with reporter.task("tokenize", total=len(paths)) as task:
        for name, info in paths.items():
            files[name] = encode_file(Path(info["path"]), template, max_length, config.train.loss_on)
            task.advance()
    if not files["train"].examples:
        raise TrainError(f"{files['train'].path}: no usable training examples "
                         f"({len(files['train'].skipped)} set aside, first: {files['train'].skipped[:1]})")
    return files


def _snapshot_data(target: Run, files: dict[str, EncodedFile]) -> None:
    """A copy of the exact training and validation files in the run (the next build overwrites data/): a run can
    be replayed and audited, and the learning loop can show which agent edits it learnt from."""
    import shutil

    folder = target.path / "data"
    folder.mkdir(exist_ok=True)
    for name, encoded in files.items():
        shutil.copyfile(encoded.path, folder / f"{name}.jsonl")


def _keep_precedents(target: Run, ws: Workspace, train: EncodedFile) -> None:
    """The precedent index the training file was built with, saved in the run (eval, serve and export read it
    from there) and recorded by hash; an index with tickets the training file does not have is refused."""
    import shutil

    source = ws.output_dir("data") / PRECEDENTS
    if not source.is_file():
        return
    index = PastTickets.load(source)
    trained = {e.id for e in train.examples}
    strangers = [t.id for t in index.tickets if t.id not in trained]
    if strangers and train.path.name == "train.jsonl":
        raise TrainError(f"{source}: {len(strangers)} precedents are not in {train.path} (first: {strangers[0]}); "
                         f"the index and the training file come from different builds: run `tunedesk build` again")
    shutil.copyfile(source, target.path / PRECEDENTS)
    target.update(precedents={"sha256": index.sha256, "tickets": len(index.tickets),
                              "config": _built_with(ws)})


def _built_with(ws: Workspace) -> dict[str, Any]:
    """The precedents settings the training file was built with (the dataset card's), else today's config."""
    import json

    card = ws.output_dir("data") / "card.json"
    built = json.loads(card.read_text(encoding="utf-8")).get("config", {}) if card.is_file() else {}
    found = built.get("precedents") if isinstance(built, dict) else None
    return found if isinstance(found, dict) else ws.config.dataset.precedents.model_dump(mode="json")


def policies_record(ws: Workspace) -> dict[str, Any]:
    """The policies a run was trained under (their version label and file hash), for drift checks."""
    from tunedesk.train.data import sha256_of

    path = ws.path(ws.config.policies)
    return {"version": ws.policies().version, "sha256": sha256_of(path) if path.is_file() else None}


def _record(config: Config, dtype: str, files: dict[str, EncodedFile], replay: str | None) -> dict[str, Any]:
    folder = Path(model_folder(config.model.base))
    local = folder.exists()  # a Hugging Face id resolves in the hub cache, not to a folder here
    return {
        "method": config.train.method, "seed": config.train.seed, "dtype": dtype, "replay_of": replay,
        "base": {"name": config.model.base, "folder": str(folder.resolve() if local else folder),
                 "hash": file_hash(folder) if local else None},
        "data": {name: f.summary() for name, f in files.items()},
        "versions": versions(), "started_unix": time.time(),
        "config": {"train": config.train.model_dump(mode="json"), "model": config.model.model_dump(mode="json")},
    }
