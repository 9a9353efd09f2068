"""The model under evaluation: the untuned base (`base`) or a training run (id, prefix or `latest`), in eval mode."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunedesk.models.base import load_model, load_tokenizer
from tunedesk.models.protocols import CausalLM, Tokenizer


@dataclass
class Candidate:
    """A loaded model with the tokenizer and chat template it is served with."""

    name: str
    model: CausalLM
    tokenizer: Tokenizer
    info: dict[str, Any] = field(default_factory=dict)


def load_candidate(workspace_root: Path, name: str, base: str, chat_template: Path | None = None) -> Candidate:
    """`base` → the configured base model with its (or the configured) template; else a run, adapter merged."""
    import torch

    if name == "base":
        tokenizer = load_tokenizer(base)
        if chat_template is not None:
            tokenizer = copy.copy(tokenizer)  # the cached tokenizer keeps its own template
            tokenizer.chat_template = chat_template.read_text(encoding="utf-8")
        model = load_model(base, torch.float32).eval()
        return Candidate("base", model, tokenizer, {"kind": "base", "base": base})
    from tunedesk.models.run import load_run_model, read_run
    from tunedesk.models.run import load_tokenizer as run_tokenizer
    from tunedesk.store.runs import find_run

    run = read_run(find_run(workspace_root, name).path)
    model = load_run_model(run, merge=True).eval()
    return Candidate(run.id, model, run_tokenizer(run.model_dir),
                     {"kind": "run", "run": run.id, "base": (run.record.get("base") or {}).get("name"),
                      "method": run.record.get("method")})
