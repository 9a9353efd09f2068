"""Which catalogue models this machine can load now, checked offline: the embedded package, the workspace's
configured model folder, or the local Hugging Face cache. Nothing here contacts a model hub."""

from __future__ import annotations

import json
from pathlib import Path

from tunedesk.brief.catalogue import Candidate, by_name
from tunedesk.models.base import EMBEDDED, ModelError, resolve_base


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder, as the hub library itself resolves it (HF_HUB_CACHE, HF_HOME, ~/.cache)."""
    from huggingface_hub.constants import HF_HUB_CACHE

    return Path(HF_HUB_CACHE)


def in_hub_cache(hf_id: str, cache: Path | None = None) -> bool:
    """True when a snapshot of `hf_id` with its config.json is in the local cache (a folder look-up, no network)."""
    folder = (cache or hub_cache_dir()) / ("models--" + hf_id.replace("/", "--")) / "snapshots"
    return folder.is_dir() and any((snap / "config.json").is_file() for snap in folder.iterdir())


def embedded_present(name: str) -> bool:
    """True when the Python package that ships the embedded model is installed with its GGUF file."""
    if name not in EMBEDDED:
        return False
    try:
        resolve_base(name)
    except ModelError:
        return False
    return True


def folder_model(base: str, root: Path) -> Candidate | None:
    """The catalogue entry a configured model folder holds, recognised by its config's `_name_or_path` or name."""
    path = Path(base).expanduser()
    path = path if path.is_absolute() else root / path
    config = path / "config.json"
    if not config.is_file():
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    named = data.get("_name_or_path") if isinstance(data, dict) else None
    return (by_name(str(named)) if named else None) or by_name(path.name)


def where_loadable(candidate: Candidate, configured_base: str, root: Path, cache: Path | None = None) -> str | None:
    """Where this machine would load `candidate` from (`embedded`, `folder <path>`, `hub cache`), or None."""
    if candidate.embedded and embedded_present(candidate.embedded):
        return "embedded"
    local = folder_model(configured_base, root)
    if (local is not None and local.name == candidate.name) or candidate.hf_id == configured_base:
        return f"folder {configured_base}"
    if in_hub_cache(candidate.hf_id, cache):
        return "hub cache"
    return None
