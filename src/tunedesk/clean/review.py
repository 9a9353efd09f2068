"""The redaction review: one self-contained HTML page and a CSV a person reads to audit and tune redaction.yaml.

Both files contain the original values (that is their point), so they hold PII and belong inside the workspace.
"""

from __future__ import annotations

import csv
import html
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tunedesk.pii.redact import Redaction

CSV_COLUMNS = ("kind", "ticket_id", "field", "placeholder", "original", "context")
# Spreadsheets run a cell starting with these as a formula; customer text must not be able to do that.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
.warning { background: #fff4e5; border: 1px solid #f0a020; padding: .75rem 1rem; border-radius: 6px; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f5f5f7; }
td.context { font-family: ui-monospace, monospace; font-size: 13px; }
mark { background: #ffe08a; padding: 0 .15rem; }
.note { color: #666; }
"""


def write_review(redactions: Iterable[Redaction], html_path: Path, csv_path: Path, limit: int = 5000,
                 totals: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Write the review page and CSV (at most `limit` rows of each kind); returns the counts.

    `totals`, when the caller passes only a sample of the redactions, are the real counts per kind to show.
    """
    counts: Counter[str] = Counter()
    rows: dict[str, list[Redaction]] = {}
    for r in redactions:
        counts[r.kind] += 1
        if counts[r.kind] <= limit:
            rows.setdefault(r.kind, []).append(r)
    if totals is not None:
        counts = Counter({kind: max(n, counts[kind]) for kind, n in totals.items() if n})
    kinds = [kind for kind, _ in counts.most_common()]
    html_path.parent.mkdir(parents=True, exist_ok=True)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(_page(kinds, counts, rows, limit), encoding="utf-8")
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for kind in kinds:
            for r in rows.get(kind, []):
                values = (r.kind, r.ticket_id, r.field, r.placeholder, r.original, r.context)
                writer.writerow([_cell(v) for v in values])
    written = sum(len(kind_rows) for kind_rows in rows.values())
    return {"total": sum(counts.values()), "rows": written, "by_kind": dict(counts.most_common())}


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _page(kinds: list[str], counts: Counter[str], rows: dict[str, list[Redaction]], limit: int) -> str:
    total = sum(counts.values())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Redaction review</title>',
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Redaction review</h1>",
        '<p class="warning"><strong>This page contains the original personal data</strong> that redaction removed '
        "from the tickets. Keep it inside the workspace; do not share, upload or commit it.</p>",
        f"<p>{total:,} redaction(s). Check each kind for values that should have stayed (add them to "
        "<code>allowlist</code> in redaction.yaml) and for personal data that slipped through elsewhere.</p>",
        _counts_table(kinds, counts),
    ]
    for kind in kinds:
        parts.append(_kind_section(kind, counts[kind], rows.get(kind, []), limit))
    if not kinds:
        parts.append('<p class="note">Nothing was redacted.</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def _counts_table(kinds: list[str], counts: Counter[str]) -> str:
    body = "".join(
        f'<tr><td><a href="#kind-{_e(kind)}">{_e(kind)}</a></td><td>{counts[kind]:,}</td></tr>' for kind in kinds
    )
    return f"<table><thead><tr><th>kind</th><th>redactions</th></tr></thead><tbody>{body}</tbody></table>"


def _kind_section(kind: str, count: int, rows: list[Redaction], limit: int) -> str:
    shown = f" (first {len(rows):,} shown)" if count > len(rows) else ""
    body = "".join(
        f"<tr><td>{_e(r.ticket_id)}</td><td>{_e(r.field)}</td><td>{_e(r.placeholder)}</td>"
        f'<td class="context">{_highlight(r)}</td></tr>'
        for r in rows
    )
    return (
        f'<h2 id="kind-{_e(kind)}">{_e(kind)} — {count:,}{shown}</h2>'
        "<table><thead><tr><th>ticket</th><th>field</th><th>placeholder</th><th>context</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _highlight(r: Redaction) -> str:
    """The context with the original value marked; every piece escaped."""
    marked = f"⟦{r.original}⟧"
    at = r.context.find(marked)
    if at == -1:
        return _e(r.context)
    before, after = r.context[:at], r.context[at + len(marked) :]
    return f"{_e(before)}<mark>{_e(r.original)}</mark>{_e(after)}"


def _e(value: str) -> str:
    return html.escape(value, quote=True)
