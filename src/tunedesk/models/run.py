"""A finished training run's model (`runs/<run_id>/model/`): its record, weights, base, tokenizer and chat template,
loaded for evaluation, serving and export."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from tunedesk.errors import TunedeskError
from tunedesk.models.base import ModelError, file_hash, library_defaults, model_folder

if TYPE_CHECKING:
    from tunedesk.models.protocols import CausalLM, Tokenizer

FINISHED_STATUSES = ("completed", "stopped")


class RunModelError(TunedeskError):
    """A run's model cannot be read or loaded: an unfinished run, missing weights, a base not on this machine."""


@dataclass(frozen=True)
class RunModel:
    """A finished training run as the stages that load its model see it: where it is, what run.json says, and
    whether its model is an adapter."""

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


def read_run(run_dir: Path) -> RunModel:
    """The run at `run_dir`, checked to hold a finished model; a clear error otherwise."""
    path = Path(run_dir).expanduser().resolve()
    record_path = path / "run.json"
    if not record_path.is_file():
        raise RunModelError(f"{path} is not a training run: run.json is missing")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunModelError(f"{record_path} cannot be read: {exc}") from None
    if not isinstance(record, dict):
        raise RunModelError(f"{record_path} is not a JSON object")
    status = record.get("status")
    if status not in FINISHED_STATUSES:
        raise RunModelError(f"run {path.name} has status {status!r}: only a completed or stopped run can be exported")
    run = RunModel(path, record)
    weights = [*run.model_dir.glob("*.safetensors"), *run.model_dir.glob("*.bin")]
    if not weights:
        raise RunModelError(f"run {run.id} has no model weights in {run.model_dir}")
    return run


def base_folder(run: RunModel) -> Path:
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
    raise RunModelError(f"run {run.id}: its base model ({name!r}, folder {folder!r} in run.json) is not on this "
                      "machine; the adapter can only be merged into the base it was trained on")


def base_hash_warning(run: RunModel, folder: Path) -> str | None:
    """A warning when the base folder's weights differ from those the run recorded."""
    recorded = (run.record.get("base") or {}).get("hash")
    if not recorded:
        return None
    current = file_hash(folder)
    if current == recorded:
        return None
    return f"base model in {folder} has hash {current}, the run recorded {recorded}: it may have changed"


def chat_template(model_dir: Path, tokenizer: Tokenizer) -> str:
    """The exact chat template of a model folder: chat_template.jinja, else the tokenizer's."""
    path = model_dir / "chat_template.jinja"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, str) and template:
        return template
    raise RunModelError(f"{model_dir} has no chat template (chat_template.jinja): the model cannot be "
                                  "prompted the way it was trained")


def load_tokenizer(model_dir: Path) -> Tokenizer:
    """The tokenizer saved with a model, its chat template set from chat_template.jinja."""
    library_defaults()
    from transformers import AutoTokenizer

    try:
        tokenizer = cast("Tokenizer", AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True))
    except (OSError, ValueError) as exc:
        raise RunModelError(f"cannot load the tokenizer in {model_dir}: {exc}") from None
    tokenizer.chat_template = chat_template(model_dir, tokenizer)
    return tokenizer


def load_run_model(run: RunModel, merge: bool = True) -> CausalLM:
    """The run's model in float32: a whole model, or the base with the adapter (merged unless `merge` is False)."""
    library_defaults()
    from transformers import AutoModelForCausalLM

    try:
        if not run.is_adapter:
            return load_whole_model(run.model_dir)
        from peft import PeftModel

        base = AutoModelForCausalLM.from_pretrained(str(base_folder(run)), dtype="float32", local_files_only=True)
        model = PeftModel.from_pretrained(base, str(run.model_dir))
    except (OSError, ValueError) as exc:
        raise RunModelError(f"cannot load the model of run {run.id}: {exc}") from None
    return cast("CausalLM", model.merge_and_unload() if merge else model)


def load_whole_model(folder: Path) -> CausalLM:
    """A whole transformers model folder (a full fine-tune, a merged export) in float32; OSError or ValueError when
    it cannot be loaded."""
    library_defaults()
    from transformers import AutoModelForCausalLM

    return cast("CausalLM", AutoModelForCausalLM.from_pretrained(str(folder), dtype="float32", local_files_only=True))
