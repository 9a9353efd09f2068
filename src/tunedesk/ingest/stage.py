"""The ingest stage: exports and KB files → importers → Ticket / Article records in the store.

Reads top to bottom: plan which importer reads which files (one importer per format and options, across every path
given, so tickets join their comments and audits; a given path inside a configured source takes its options), stream
each importer's records in batches into the store (idempotent upserts that merge a re-imported ticket into the stored
one, so a killed run simply runs again and a thinner payload loses nothing), quarantine what cannot be read, report.
Accounting: in = stored tickets + stored articles + quarantined.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from tunedesk.errors import IngestError
from tunedesk.gc_tuning import fewer_collections
from tunedesk.ingest.importers import detect_format, get_importer, names
from tunedesk.ingest.importers.base import reject
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.records import Article, ImportedRecord, Rejected, Ticket
from tunedesk.store import Store, UpsertCounts, batched
from tunedesk.workspace import Workspace


@dataclass
class SourcePlan:
    """One importer over a set of files."""

    label: str
    format: str
    options: dict[str, Any]
    files: list[Path]
    applied: dict[str, str] = field(default_factory=dict)
    """Path given on the command line → which tunedesk.yaml source's format and options it was read with."""


@dataclass
class IngestSummary:
    """The counts of one ingest run."""

    records_in: int = 0
    tickets: UpsertCounts = field(default_factory=UpsertCounts)
    articles: UpsertCounts = field(default_factory=UpsertCounts)
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    by_format: dict[str, Counter[str]] = field(default_factory=dict)
    files: int = 0
    paths: dict[str, str] = field(default_factory=dict)
    applied: dict[str, str] = field(default_factory=dict)
    """A path given on the command line → the tunedesk.yaml source whose format and options read it."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape printed by `ingest --json`."""
        stored = sum(vars(self.tickets).values()) + sum(vars(self.articles).values())
        return {
            "in": self.records_in, "kept": stored, "dropped": {}, "quarantined": self.quarantined,
            "tickets": vars(self.tickets), "articles": vars(self.articles),
            "quarantine_reasons": dict(self.reasons.most_common(20)),
            "by_format": {k: dict(v) for k, v in self.by_format.items()}, "files": self.files, "paths": self.paths,
            "applied": self.applied,
        }


def run(ws: Workspace, paths: list[Path] | None = None, fmt: str | None = None,
        options: dict[str, Any] | None = None, reporter: Reporter | None = None) -> IngestSummary:
    """Ingest the given paths (or the configured sources and KB) into the workspace store."""
    reporter = reporter or SilentReporter()
    started = datetime.now(UTC)
    plans, unrecognised = plan_sources(ws, paths, fmt, options)
    summary = IngestSummary(files=sum(len(p.files) for p in plans) + len(unrecognised),
                            applied={k: v for plan in plans for k, v in plan.applied.items()})
    _write_batch(ws.store, unrecognised, summary, "unrecognised", ws.config.ingest.max_body_chars, "")
    for plan in plans:
        importer = get_importer(plan.format)(plan.options)
        with reporter.task(f"ingest {plan.label} ({plan.format})") as task, fewer_collections():
            for batch in batched(importer.read_files(plan.files), ws.config.ingest.batch_size):
                _write_batch(ws.store, batch, summary, plan.format, ws.config.ingest.max_body_chars, plan.label)
                task.advance(len(batch))
    summary.paths = {"store": ws.store.url, "quarantine": str(_write_quarantine_file(ws))}
    ws.store.record_stage_run("ingest", started, summary.as_dict())
    return summary


def plan_sources(ws: Workspace, paths: list[Path] | None, fmt: str | None,
                 options: dict[str, Any] | None) -> tuple[list[SourcePlan], list[Rejected]]:
    """Which importer reads which files; files no importer recognises come back as rejections.

    Files of one format read with the same options are read by one importer, whichever path or source they came
    from, so tickets, comments and audits given as separate arguments are joined.
    """
    if fmt is not None:
        get_importer(fmt)  # an unknown --format is a user error: fail before reading anything
    sources = _given_sources(ws, paths, fmt, options or {}) if paths else _configured_sources(ws)
    plans: list[SourcePlan] = []
    unrecognised: list[Rejected] = []
    for source in sources:
        if source.format:
            plans.append(source)
            continue
        for fmt_name, group in _detect_groups(source.files, unrecognised).items():
            plans.append(SourcePlan(source.label, fmt_name, source.options, group, source.applied))
    return _joined(plans), unrecognised


def _configured_sources(ws: Workspace) -> list[SourcePlan]:
    sources = [SourcePlan(_label(ws, ws.path(s.path)), s.format or "", dict(s.options), expand(ws.path(s.path)))
               for s in ws.config.sources]
    if ws.config.kb and ws.path(ws.config.kb).is_dir():
        sources.append(SourcePlan(_label(ws, ws.path(ws.config.kb)), "kb", {}, expand(ws.path(ws.config.kb))))
    if not sources:
        raise IngestError("nothing to ingest: give files or folders, or list `sources` in tunedesk.yaml")
    return sources


def _given_sources(ws: Workspace, paths: list[Path], fmt: str | None, options: dict[str, Any]) -> list[SourcePlan]:
    """The files of each given path, with the format and options of the tunedesk.yaml source that holds them
    (the deepest one; `--format` and `-o` win), or the importer's defaults when none does."""
    roots = [ws.path(s.path).resolve() for s in ws.config.sources]
    sources: list[SourcePlan] = []
    for path in paths:
        held: dict[int | None, list[Path]] = {}
        for file in expand(path):
            held.setdefault(_holding_source(file.resolve(), roots), []).append(file)
        label, described = _label(ws, path), []
        applied: dict[str, str] = {}
        for index, files in held.items():
            source = ws.config.sources[index] if index is not None else None
            source_fmt = fmt or (source.format if source else None) or ""
            source_options = {**(source.options if source else {}), **options}
            sources.append(SourcePlan(label, source_fmt, source_options, files, applied))
            described.append(_describe(index, source.path if source else "", source_fmt, source_options))
        applied[label] = "; ".join(described)
    return sources


def _describe(index: int | None, source_path: str, fmt: str, options: dict[str, Any]) -> str:
    """What a given path was read with, for the summary."""
    where = f"tunedesk.yaml sources[{index}] ({source_path})" if index is not None else "no tunedesk.yaml source"
    settings = ", ".join(f"{k}={v}" for k, v in options.items()) or "importer defaults"
    return f"{where}: format {fmt or 'recognised per file'}, options {settings}"


def _holding_source(file: Path, roots: list[Path]) -> int | None:
    """The index of the deepest configured source path that is the file or a folder above it."""
    holding = [(len(root.parts), i) for i, root in enumerate(roots) if file == root or root in file.parents]
    return max(holding)[1] if holding else None


def _joined(plans: list[SourcePlan]) -> list[SourcePlan]:
    """Plans of the same format and options as one plan over all their files (each file once)."""
    joined: dict[str, SourcePlan] = {}
    for plan in plans:
        key = json.dumps([plan.format, plan.options], sort_keys=True, default=str)
        if (same := joined.get(key)) is None:
            joined[key] = SourcePlan(plan.label, plan.format, plan.options, list(plan.files), dict(plan.applied))
            continue
        same.applied.update(plan.applied)
        same.files += [f for f in plan.files if f not in same.files]
        if plan.label not in same.label.split(", "):
            same.label += f", {plan.label}"
    return list(joined.values())


def expand(path: Path) -> list[Path]:
    """A file, or every non-hidden file under a folder, in a stable order."""
    if not path.exists():
        raise IngestError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def _detect_groups(files: list[Path], unrecognised: list[Rejected]) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for file in files:
        try:
            name = detect_format(file)
        except OSError as exc:
            unrecognised.append(reject(file, "file", exc))
            continue
        if name is None:
            known = ", ".join(names())
            unrecognised.append(reject(file, "file", f"format not recognised; pass --format (one of {known})"))
        else:
            groups.setdefault(name, []).append(file)
    return groups


def _write_batch(store: Store, batch: Sequence[ImportedRecord], summary: IngestSummary, fmt: str,
                 max_body: int, label: str) -> None:
    tickets: list[Ticket] = []
    articles: list[Article] = []
    rejected: list[Rejected] = []
    for record in batch:
        if isinstance(record, Ticket):
            problem = oversized(record, max_body, label)
            (rejected if problem else tickets).append(problem or record)  # type: ignore[arg-type]
        elif isinstance(record, Article):
            articles.append(record)
        else:
            rejected.append(record)
    summary.records_in += len(batch)
    ticket_counts = _upsert(store.upsert_tickets, tickets, label, rejected)
    article_counts = _upsert(store.upsert_articles, articles, label, rejected)
    summary.tickets.add(ticket_counts)
    summary.articles.add(article_counts)
    summary.quarantined += len(rejected)
    store.quarantine("ingest", rejected)
    summary.reasons.update(_reason_key(r.reason) for r in rejected)
    counts = summary.by_format.setdefault(fmt, Counter())
    counts.update({"in": len(batch), "tickets": sum(vars(ticket_counts).values()),
                   "articles": sum(vars(article_counts).values()), "quarantined": len(rejected)})


R = TypeVar("R", Ticket, Article)


def _upsert(write: Callable[[list[R]], UpsertCounts], records: list[R], label: str,
            rejected: list[Rejected]) -> UpsertCounts:
    """Write a batch; when it cannot be serialised, quarantine the records at fault and write the rest."""
    try:
        return write(records)
    except ValueError:  # e.g. a lone surrogate ("\ud800") in a body: not valid Unicode, cannot be stored
        pass
    good = []
    for record in records:
        try:
            record.model_dump_json()
        except ValueError as exc:
            kind = "ticket" if isinstance(record, Ticket) else "article"
            reason = f"cannot be stored, text is not valid Unicode: {exc}"
            rejected.append(reject(label or record.source, f"{kind} {record.id}", reason, record.id))
        else:
            good.append(record)
    return write(good)


def oversized(ticket: Ticket, max_body: int, label: str) -> Rejected | None:
    """A rejection when any message body exceeds the limit (huge pasted logs), else None."""
    for i, message in enumerate(ticket.messages):
        if len(message.body) > max_body:
            reason = f"body too large ({len(message.body):,} characters > ingest.max_body_chars {max_body:,})"
            raw = message.body[:500]
            return reject(label or ticket.source, f"ticket {ticket.id}", reason, raw, field=f"messages[{i}].body")
    return None


def _reason_key(reason: str) -> str:
    # Group reasons by their first clause: "JSONDecodeError: Expecting value: line 1 …" → "JSONDecodeError".
    return reason.split(":")[0].split("(")[0].strip()[:60]


def _write_quarantine_file(ws: Workspace) -> Path:
    target = ws.output_dir("quarantine") / "ingest.jsonl"
    with target.open("w", encoding="utf-8") as fh:
        for r in ws.store.quarantined("ingest"):
            fh.write(json.dumps(r.model_dump(), ensure_ascii=False) + "\n")
    return target


def _label(ws: Workspace, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ws.root))
    except ValueError:
        return str(path)
