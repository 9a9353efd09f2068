"""Writing the example workspace files: policies.yaml, kb/*.md and the Zendesk export."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tunedesk.example.generator import TicketStream, generate_tickets
from tunedesk.example.kb_data import kb_articles
from tunedesk.example.policies_data import policies_yaml
from tunedesk.example.summaries import REFERENCES_FILE, references_jsonl

PROGRESS_EVERY = 1000


@dataclass
class ExampleSummary:
    """What write_example wrote: counts, every file path, and tickets per category."""

    tickets: int
    articles: int
    paths: list[Path]
    counts_by_category: dict[str, int]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fixed newline keeps reruns byte-identical on every platform.
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def write_example(workspace: Path, *, n_tickets: int = 1500, seed: int = 7) -> ExampleSummary:
    """Write the demo corpus into a workspace; rerunning overwrites the same files identically."""
    workspace = Path(workspace)
    paths = [_write(workspace / "policies.yaml", policies_yaml())]
    articles = kb_articles()
    paths += [_write(workspace / "kb" / name, text) for name, text in articles.items()]
    tickets, users, truths = generate_tickets(n_tickets, seed)
    lines = "".join(json.dumps(t, ensure_ascii=False, separators=(",", ":")) + "\n" for t in tickets)
    paths.append(_write(workspace / "exports" / "zendesk_tickets.jsonl", lines))
    users_text = json.dumps({"users": users}, ensure_ascii=False, indent=2) + "\n"
    paths.append(_write(workspace / "exports" / "zendesk_users.json", users_text))
    references = references_jsonl((truth.external_id, truth.summary) for truth in truths)
    paths.append(_write(workspace / REFERENCES_FILE, references))
    counts = Counter(truth.category for truth in truths)
    return ExampleSummary(len(tickets), len(articles), paths, dict(sorted(counts.items())))


def write_zendesk_export(
    path: Path, n: int, seed: int = 7, *, progress: Callable[[int], None] | None = None
) -> int:
    """Stream n tickets as Zendesk NDJSON in bounded memory (for benchmarks); returns how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for ticket, _truth in TicketStream(n, seed):
            out.write(json.dumps(ticket, ensure_ascii=False, separators=(",", ":")) + "\n")
            written += 1
            if progress is not None and written % PROGRESS_EVERY == 0:
                progress(written)
    return written
