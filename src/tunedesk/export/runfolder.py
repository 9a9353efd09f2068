"""Reading a training run folder (`runs/<run_id>/`): its record, its model, its chat template, and the export errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunedesk.errors import TunedeskError
from tunedesk.models.base import ModelError, file_hash, library_defaults, model_folder

EXPORTABLE_STATUSES = ("completed", "stopped")


class ExportError(TunedeskError):
    """A run cannot be exported (missing files, a failed conversion)."""


class ExportToolsMissing(ExportError):
    """llama.cpp's converter or llama-cpp-python is not installed; `make gguf-tools` installs both."""


class TemplateNotTranslatable(ExportError):
    """The run's chat template cannot be written as an Ollama (Go) template."""


@dataclass(frozen=True)
class Run:
    """A training run as export sees it: where it is, what run.json says, and whether its model is an adapter."""

    path: Path
    record: dict[str, Any]

    @property
    def id(self) -> str:
        """The run id (`20261121-101500-lora`), the folder name when run.json lacks it."""
        return str(self.record.get("id") or self.path.name)

    @property
    def model_dir(self) -> Path:
        """The run's artifact folder."""
        return self.path / "model"

    @property
    def is_adapter(self) -> bool:
        """True for lora/qlora/distill runs, whose model is a PEFT adapter to merge into the base."""
        return (self.model_dir / "adapter_config.json").is_file()

    def fingerprint(self) -> str:
        """A short hash of the run's weights, so an export made from older weights is never reused."""
        return f"{self.id}:{file_hash(self.model_dir)}"


def read_run(run_dir: Path) -> Run:
    """The run at `run_dir`, checked to hold a finished model; a clear error otherwise."""
    path = Path(run_dir).expanduser().resolve()
    record_path = path / "run.json"
    if not record_path.is_file():
        raise ExportError(f"{path} is not a training run: run.json is missing")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{record_path} cannot be read: {exc}") from None
    if not isinstance(record, dict):
        raise ExportError(f"{record_path} is not a JSON object")
    status = record.get("status")
    if status not in EXPORTABLE_STATUSES:
        raise ExportError(f"run {path.name} has status {status!r}: only a completed or stopped run can be exported")
    run = Run(path, record)
    weights = [*run.model_dir.glob("*.safetensors"), *run.model_dir.glob("*.bin")]
    if not weights:
        raise ExportError(f"run {run.id} has no model weights in {run.model_dir}")
    return run


def base_folder(run: Run) -> Path:
    """The transformers folder the adapter was trained on: run.json's base.folder, else its base.name resolved
    again on this machine (a run copied from another one); base_hash_warning tells if that base differs."""
    base = run.record.get("base") or {}
    folder, name = base.get("folder"), base.get("name")
    if folder and Path(folder).is_dir():
        return Path(folder)
    if name:
        try:
            return model_folder(str(name))
        except ModelError:
            pass
    raise ExportError(f"run {run.id}: its base model ({name!r}, folder {folder!r} in run.json) is not on this "
                      "machine; the adapter can only be merged into the base it was trained on")


def base_hash_warning(run: Run, folder: Path) -> str | None:
    """A warning when the base folder's weights differ from those the run recorded."""
    recorded = (run.record.get("base") or {}).get("hash")
    if not recorded:
        return None
    current = file_hash(folder)
    if current == recorded:
        return None
    return f"base model in {folder} has hash {current}, the run recorded {recorded}: it may have changed"


def chat_template(model_dir: Path, tokenizer: Any) -> str:
    """The exact chat template of a model folder: chat_template.jinja, else the tokenizer's."""
    path = model_dir / "chat_template.jinja"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, str) and template:
        return template
    raise TemplateNotTranslatable(f"{model_dir} has no chat template (chat_template.jinja): the model cannot be "
                                  "prompted the way it was trained")


def load_tokenizer(model_dir: Path) -> Any:
    """The tokenizer saved with a model, its chat template set from chat_template.jinja."""
    library_defaults()
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot load the tokenizer in {model_dir}: {exc}") from None
    tokenizer.chat_template = chat_template(model_dir, tokenizer)
    return tokenizer


def load_run_model(run: Run, merge: bool = True) -> Any:
    """The run's model in float32: a whole model, or the base with the adapter (merged unless `merge` is False)."""
    library_defaults()
    from transformers import AutoModelForCausalLM

    try:
        if not run.is_adapter:
            return AutoModelForCausalLM.from_pretrained(str(run.model_dir), dtype="float32", local_files_only=True)
        from peft import PeftModel

        base = AutoModelForCausalLM.from_pretrained(str(base_folder(run)), dtype="float32", local_files_only=True)
        model = PeftModel.from_pretrained(base, str(run.model_dir))
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot load the model of run {run.id}: {exc}") from None
    return model.merge_and_unload() if merge else model


MANIFEST = "export.json"


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The record a finished export left in its folder, or None when there is none (or it is unreadable)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Record a finished export, written last so a half-written folder is never taken for a finished one."""
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")


def staging_dir(out_dir: Path) -> Path:
    """An empty folder beside `out_dir` to write an export into before it replaces `out_dir` in one rename."""
    import os
    import shutil

    if out_dir.exists() and any(out_dir.iterdir()) and read_manifest(out_dir) is None:
        # Never delete a folder that is not an earlier export: it may hold the user's own files.
        raise ExportError(f"{out_dir} exists and is not an earlier export (no {MANIFEST}): choose another folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def replace_dir(tmp: Path, out_dir: Path) -> None:
    """Put a finished staging folder in place of `out_dir` (an earlier export there is replaced)."""
    import shutil

    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
