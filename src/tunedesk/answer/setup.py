"""Putting a server together from a workspace: which model version is served (the registry's production version,
else the newest run, else the base), its backend, the guardrails, the KB context, the calibration eval fitted for
that version, the reply log and a category guesser."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tunedesk.answer.confidence import Calibrator
from tunedesk.answer.context import ContextBuilder
from tunedesk.answer.corpus import PrecedentIndex, customer_messages, precedents
from tunedesk.answer.pipeline import Responder
from tunedesk.answer.precedents import precedents_for
from tunedesk.models.embed import Embedder
from tunedesk.store.model_registry import ModelRegistry
from tunedesk.store.replies import ReplyLog
from tunedesk.workspace import Workspace

if TYPE_CHECKING:
    from tunedesk.answer.backends.base import Backend
    from tunedesk.answer.guardrails import Guardrails


def served_version(ws: Workspace) -> tuple[str, str]:
    """(the version to serve, why): serve.backend.model, else production, else the newest run, else the base."""
    chosen = ws.config.serve.backend.model
    if chosen:
        return chosen, "serve.backend.model"
    production = ModelRegistry(ws.store).production()
    if production is not None:
        return production.id, "the registry's production version"
    from tunedesk.store.runs import is_calibration, list_runs

    runs = [r for r in list_runs(ws.root) if r.record.get("status") == "completed" and not is_calibration(r)]
    if runs:
        return runs[-1].id, "the newest completed run (nothing promoted yet)"
    return "base", "the untuned base model (no run yet)"


def calibration_for(ws: Workspace, version: str) -> dict[str, float | None]:
    """The high/medium confidence thresholds eval fitted for this version (none: every reply is low)."""
    from tunedesk.store.evaluations import read_summary

    summary = read_summary(ws.root, version) or {}
    return dict((summary.get("calibration") or {}).get("thresholds") or {"high": None, "medium": None})


def calibrator_for(ws: Workspace, version: str) -> Calibrator | None:
    """The multi-signal calibrator eval fitted for this version on the validation split (None: the model's own
    token confidence is used)."""
    from tunedesk.store.evaluations import read_summary

    summary = read_summary(ws.root, version) or {}
    fitted = (summary.get("calibration") or {}).get("calibrator")
    return Calibrator.from_dict(fitted) if isinstance(fitted, dict) else None


def caching(embedder: Embedder | None, size: int = 20_000) -> Embedder | None:
    """An embedder that remembers the last `size` texts it embedded: the guardrails, the KB retrieval and the
    categoriser embed the same corpus at start and the same customer message per request. Bounded, because
    every request's text passes through it."""
    if embedder is None:
        return None
    from collections import OrderedDict

    cache: OrderedDict[str, Sequence[float]] = OrderedDict()

    def embed(texts: list[str]) -> list[Sequence[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            cache.update(zip(missing, embedder(missing), strict=True))
        found = [cache[t] for t in texts]
        for text in texts:
            cache.move_to_end(text)
        while len(cache) > size:
            cache.popitem(last=False)
        return found

    return embed


def choose_embedder(ws: Workspace, corpus: list[str]) -> Embedder | None:
    """The embedder serve.embedder names, fitted to the corpus and the KB (None when MiniLM is not installed)."""
    from tunedesk.models.embed import minilm_embedder

    if ws.config.serve.embedder == "minilm":
        return caching(minilm_embedder())
    from tunedesk.models.static_embed import static_embedder

    return caching(static_embedder([*corpus, *(a.body for a in ws.store.iter_articles())]))


class Categoriser:
    """Guesses a ticket's category: the majority among its nearest training messages (cosine)."""

    def __init__(self, embedder: Embedder, texts: list[str], categories: list[str], k: int = 5) -> None:
        from tunedesk.answer.guards import TopicIndex

        self.index, self.k = TopicIndex(embedder, texts, categories), k

    def __call__(self, text: str) -> tuple[str | None, float]:
        """The category and the share of the k nearest messages that voted for it."""
        votes = Counter(label for label in self.index.nearest_labels(text[-2000:], self.k) if label)
        if not votes:
            return None, 0.0
        label, count = votes.most_common(1)[0]
        return label, count / self.k


def build_responder(ws: Workspace, *, backend: Backend | None = None, guardrails: Guardrails | None = None,
                    embedder: Embedder | None = None, version: str | None = None,
                    check_index: bool = True) -> Responder:
    """Everything the server needs, built once at start. `check_index`: refuse a precedent index other than the
    one the version was evaluated with (eval itself, which is about to evaluate it, does not check)."""
    from tunedesk.answer.guardrails import Guardrails

    version = version or served_version(ws)[0]
    shown = precedents_for(ws, version, check_index)
    learnt_from = training_file(ws, version)
    corpus = customer_messages(learnt_from)
    texts = [m.text for m in corpus]
    embed = embedder if embedder is not None else choose_embedder(ws, texts)
    if backend is None:
        backend = version_backend(ws, version)
    if guardrails is None:  # refusal examples are off-topic questions: they must not make similar ones on-topic
        on_topic = [m.text for m in corpus if m.kind != "refusal"]
        guardrails = Guardrails.from_workspace(ws, corpus_texts=on_topic or None, embedder=embed,
                                               precedents=[(m.text, m.kind) for m in corpus])
    categorise = Categoriser(embed, texts, [m.category for m in corpus]) if embed is not None and texts else None
    past = precedents(learnt_from)
    return Responder(backend=backend, guardrails=guardrails, contexts=ContextBuilder(ws, ws.config.serve.kb_top_k,
                     embed, shown), settings=ws.config.serve, policies=ws.policies(),
                     calibration=calibration_for(ws, version), log=ReplyLog(ws.store), categorize=categorise,
                     model_version=getattr(backend, "model_version", None) or version,
                     precedents=PrecedentIndex(past) if past else None, calibrator=calibrator_for(ws, version))


def training_file(ws: Workspace, version: str) -> Path:
    """The training file the guards, the category guesser and the confidence's precedents compare with: a run's own
    copy (runs/<id>/data/train.jsonl, the exact file it learnt from), so that a later build does not change what an
    evaluated run is served with; the workspace's build for the base model, the retrieval baseline and exports."""
    from tunedesk.store.runs import RunError, find_run

    if version not in ("base", "retrieval"):
        try:
            own = find_run(ws.root, version).path / "data" / "train.jsonl"
        except RunError:
            own = None
        if own is not None and own.is_file():
            return own
    return ws.output_dir("data") / "train.jsonl"


def version_backend(ws: Workspace, version: str) -> Backend:
    """The configured backend for the version; the `retrieval` baseline is a backend of its own, whatever is
    configured."""
    from tunedesk.answer.backends import get_backend

    template = ws.config.model.chat_template
    cfg = ws.config.serve.backend
    if version == "retrieval":
        cfg = cfg.model_copy(update={"name": "retrieval"})
    return get_backend(cfg, workspace_root=ws.root, model_spec=version, base=ws.config.model.base,
                       chat_template=ws.path(template) if template else None)
