"""Zendesk Support: JSON/NDJSON exports, incremental exports and API payloads → Ticket.

Records (one outcome each): a ticket line of an NDJSON export (Zendesk's JSON export, tunedesk's example corpus;
embedded `comments`), and every ticket of `{"ticket"}`, `{"tickets"}` (API pages, incremental exports),
`{"results"}` (search) and bare-list payloads. Auxiliary payloads are consumed, not counted: users (`{"users"}`,
`{"user"}`, sideloaded `users`, user search results) give participant names and roles; comments (`{"comments"}`
with the ticket id in the file name — `ticket_123_comments.json`, `123/comments.json` — sideloaded `comments`,
`audit`/`audits` and `ticket_events` comment events) are joined to their ticket across all files read, and yield one
Rejected per ticket only when that ticket is not among them. Any other Zendesk payload (macros, groups, …) is one
Rejected for the file. An NDJSON line of the common shape takes a quick path (orjson, one pass, one validation)
that gives the very record the exact path gives; every other line takes the exact path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import ClassVar, cast

from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject
from tunedesk.ingest.importers.fields import (
    safe_id,
)
from tunedesk.ingest.importers.payload import Unit, payload_keys, read_api_files
from tunedesk.ingest.importers.zendesk_tickets import (
    ZendeskOptions,
    ZendeskRead,
    convert_ticket,
    looks_like_ticket,
    quick_ticket,
)
from tunedesk.records import ImportedRecord, Rejected

_TICKET_MARKS = re.compile(r'"submitter_id"\s*:|"ticket_restriction"\s*:|"audits"\s*:|"ticket_events"\s*:')
_COMMENT_MARKS = re.compile(r'"(html_body|plain_body)"\s*:')
_USER_MARKS = re.compile(r'"role"\s*:\s*"(end-user|agent|admin)"')
_USERS_KEY = re.compile(r'"users?"\s*:')
_FILE_TICKET_ID = re.compile(r"(\d+)")


@register("zendesk")
class ZendeskImporter(Importer):
    """Zendesk Support exports and API payloads (see the module docstring for every accepted shape)."""

    name: ClassVar[str] = "zendesk"
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".jsonl", ".ndjson")
    Options = ZendeskOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """Zendesk tickets (`submitter_id`), users, audits, or comments with `html_body`/`plain_body`."""
        if _TICKET_MARKS.search(head):
            return True
        if _USER_MARKS.search(head) and _USERS_KEY.search(head):
            return True
        return bool(_COMMENT_MARKS.search(head)) and '"author_id"' in head

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """One outcome per ticket of one file (its comments and users files are joined by `read_files`)."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """Read several files, joining users and comment payloads to tickets across all of them."""
        run = ZendeskRead(cast(ZendeskOptions, self.options))
        yield from read_api_files(
            paths, run.options.encoding, partial(_plan, run), partial(convert_ticket, run), partial(quick_ticket, run)
        )
        yield from run.comments.leftovers()


# ---------------------------------------------------------------- planning payloads


def _plan(run: ZendeskRead, path: Path, payload: object) -> list[Unit | Rejected]:
    if isinstance(payload, list):
        return _plan_list(run, path, payload)
    if not isinstance(payload, dict):
        return [reject(path, "file", f"no tickets in this payload ({payload_keys(payload)})", raw=payload)]
    users = payload.get("users")
    found = run.add_users([*(users if isinstance(users, list) else []), payload.get("user")])
    consumed = found > 0 or isinstance(payload.get("tickets"), list)
    units: list[Unit | Rejected] = []
    if isinstance(payload.get("ticket"), dict):
        units.append(("ticket", payload["ticket"]))
    for key in ("tickets", "results"):
        if isinstance(payload.get(key), list):
            units.extend(_ticket_units(run, key, payload[key]))
            consumed = consumed or not payload[key] or any(_is_user(item) for item in payload[key])
    consumed = _absorb_events(run, path, payload) or consumed
    if isinstance(payload.get("comments"), list):
        units.extend(_absorb_comments(run, path, payload["comments"], units))
        consumed = True
    if not units and not consumed:
        return [reject(path, "file", f"no tickets in this payload ({payload_keys(payload)})", raw=payload)]
    return units


def _plan_list(run: ZendeskRead, path: Path, items: list[object]) -> list[Unit | Rejected]:
    if any(looks_like_ticket(item) for item in items):
        return [(f"[{i}]", item) for i, item in enumerate(items)]
    if all(_is_user(item) for item in items):
        run.add_users(items)
        return []
    return [reject(path, "file", f"no tickets in this payload ({payload_keys(items)})", raw=items)]


def _is_user(item: object) -> bool:
    return isinstance(item, dict) and (
        item.get("result_type") == "user" or ("role" in item and ("email" in item or "name" in item))
    )


def _ticket_units(run: ZendeskRead, key: str, items: list[object]) -> list[Unit]:
    units: list[Unit] = []
    for i, item in enumerate(items):
        kind = item.get("result_type", "ticket") if isinstance(item, dict) else "ticket"
        if kind == "ticket":
            units.append((f"{key}[{i}]", item))
        elif _is_user(item):
            run.add_users([item])
    return units


def _absorb_comments(
    run: ZendeskRead, path: Path, comments: list[object], units: list[Unit | Rejected]
) -> list[Rejected]:
    """Keep comments for their ticket: a `ticket_id` on the comment, the payload's one ticket, or the file name."""
    tickets = [raw for unit in units if not isinstance(unit, Rejected) and isinstance(raw := unit[1], dict)]
    fallback = safe_id(tickets[0].get("id")) if len(tickets) == 1 else None
    fallback = fallback or (_ticket_id_from_name(path) if not tickets else None)
    orphans = []
    for i, comment in enumerate(comments):
        ticket_id = safe_id(comment.get("ticket_id")) if isinstance(comment, dict) else None
        if ticket_id := ticket_id or fallback:
            run.comments.add(ticket_id, f"{path.name} comments[{i}]", comment, path)
        else:
            orphans.append(comment)
    if not orphans:
        return []
    reason = (
        f"{len(orphans)} comment(s) without a ticket id: name the file ticket_<id>_comments.json or "
        "<id>/comments.json, or export comments together with their ticket"
    )
    return [reject(path, "comments", reason, raw=orphans)]


def _ticket_id_from_name(path: Path) -> str | None:
    if "comment" in path.stem.lower() and (match := _FILE_TICKET_ID.search(path.stem)):
        return match.group(1)
    return path.parent.name if path.parent.name.isdigit() else None


def _absorb_events(run: ZendeskRead, path: Path, payload: Mapping[str, object]) -> bool:
    """Comment events of audits (`audit`, `audits`) and incremental `ticket_events`, kept for their ticket."""
    found = False
    audits = [payload["audit"]] if isinstance(payload.get("audit"), dict) else []
    ticket = payload.get("ticket")
    default_id = safe_id(ticket.get("id")) if isinstance(ticket, dict) else None
    for key, events_key, type_key in (("audits", "events", "type"), ("ticket_events", "child_events", "event_type")):
        items = payload.get(key)
        if isinstance(items, list):
            found = True
            _absorb_event_list(run, path, key, items, events_key, type_key, None)
    if audits:
        _absorb_event_list(run, path, "audit", audits, "events", "type", default_id)
    return found or bool(audits)


def _absorb_event_list(
    run: ZendeskRead, path: Path, key: str, items: list[object], events_key: str, type_key: str, default_id: str | None
) -> None:
    for i, audit in enumerate(items):
        if not isinstance(audit, dict) or not (ticket_id := safe_id(audit.get("ticket_id")) or default_id):
            continue
        events = audit.get(events_key)
        for j, event in enumerate(events if isinstance(events, list) else []):
            if isinstance(event, dict) and event.get(type_key) in ("Comment", "VoiceComment"):
                comment = {
                    "author_id": audit.get("author_id", audit.get("updater_id")),
                    "created_at": audit.get("created_at"),
                    **event,
                }
                run.comments.add(ticket_id, f"{path.name} {key}[{i}].{events_key}[{j}]", comment, path)
