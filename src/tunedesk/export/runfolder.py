"""The export errors and the export folders: the manifest a finished export leaves, and the staging folder an
export is written into before it replaces the old one in one rename."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tunedesk.errors import TunedeskError


class ExportError(TunedeskError):
    """A run cannot be exported (missing files, a failed conversion)."""


class ExportToolsMissing(ExportError):
    """llama.cpp's converter or llama-cpp-python is not installed; `make gguf-tools` installs both."""


class TemplateNotTranslatable(ExportError):
    """The run's chat template cannot be written as an Ollama (Go) template."""


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
