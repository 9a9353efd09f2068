"""The backend registry: short names (`transformers`, `llamacpp`, `openai`, `scripted`) to backend classes, looked
up by `serve.backend.name`.

Built-ins register exactly as a third party would, with the `register` decorator; they are imported on first lookup,
and third-party packages expose modules under the entry-point group `tunedesk.backends`. Importing a backend module
is cheap: torch, llama_cpp and friends are imported only when a backend is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunedesk.answer.backends.base import Backend, BackendError, BackendTimeout, ModelSource
from tunedesk.config.serve import BackendConfig
from tunedesk.plugins import Builtins, Registry

__all__ = ["Backend", "BackendError", "BackendTimeout", "ModelSource", "backend_names", "get_backend", "register"]

BUILTIN_MODULES = ("transformers", "llamacpp", "openai", "scripted", "retrieval")

BACKENDS: Registry[type[Any]] = Registry("backend", "serve.backend.name", Builtins(
    "tunedesk.answer.backends", BUILTIN_MODULES, group="tunedesk.backends"))
register = BACKENDS.register


def backend_names() -> list[str]:
    """Every registered backend name."""
    return sorted(BACKENDS.names())


def get_backend(cfg: BackendConfig, *, workspace_root: Path, model_spec: str, base: str,
                chat_template: Path | None) -> Backend:
    """The backend named by `serve.backend.name`, built for the resolved model, or a ConfigError naming the key."""
    source = ModelSource(workspace_root=workspace_root, spec=model_spec, base=base, chat_template=chat_template)
    backend: Backend = BACKENDS.get(cfg.name).from_config(cfg, source)
    return backend
