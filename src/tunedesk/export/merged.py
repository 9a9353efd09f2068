"""The merged export: the run's adapter folded into its base, saved as one transformers folder (safetensors) with
the tokenizer and the exact chat template used in training."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tunedesk.export.runfolder import read_manifest, replace_dir, staging_dir
from tunedesk.models.run import RunModel, base_folder, load_run_model, load_tokenizer

HALF_DTYPES = ("float16", "bfloat16")


def write_merged(run: RunModel, out_dir: Path) -> None:
    """Merge the run's model and save it to `out_dir` (replaced in one rename, so it is never half written)."""
    dtype = _saved_dtype(base_folder(run) if run.is_adapter else run.model_dir)
    model = load_run_model(run, merge=True)
    if dtype in HALF_DTYPES:
        import torch

        # Merged in float32 for accuracy, saved in the base's own precision so the export is no larger than it.
        model = model.to(getattr(torch, dtype))
    tokenizer = load_tokenizer(run.model_dir)
    tmp = staging_dir(out_dir)
    try:
        model.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        # The template file verbatim: a tokenizer round trip may re-serialise it, and prompts must match training.
        if (run.model_dir / "chat_template.jinja").is_file():
            shutil.copyfile(run.model_dir / "chat_template.jinja", tmp / "chat_template.jinja")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, out_dir)


def reusable_merged(run: RunModel, out_dir: Path) -> bool:
    """True when `out_dir` holds a finished merged export of this run's current weights."""
    manifest = read_manifest(out_dir)
    if manifest is None or (manifest.get("check") or {}).get("status") == "failed":
        return False
    return (manifest.get("format") == "merged" and manifest.get("source") == run.fingerprint()
            and (out_dir / "config.json").is_file())


def merged_files(out_dir: Path) -> dict[str, Path]:
    """The files of a merged export a person would look for: weights and chat template."""
    files = {f"weights {i + 1}" if i else "weights": p for i, p in enumerate(sorted(out_dir.glob("*.safetensors")))}
    files["chat template"] = out_dir / "chat_template.jinja"
    return files


def _saved_dtype(folder: Path) -> str | None:
    try:
        config: dict[str, Any] = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    dtype = config.get("dtype") or config.get("torch_dtype")
    return str(dtype) if dtype else None
