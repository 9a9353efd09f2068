"""The helpdesk API importers: zendesk, freshdesk, intercom — real payloads, own fixtures, bad input, sniffing."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunedesk.errors import ConfigError
from tunedesk.example import CATEGORY_FIELD_ID, write_zendesk_export
from tunedesk.ingest.importers import zendesk
from tunedesk.ingest.importers.base import Importer, read_head
from tunedesk.ingest.importers.freshdesk import KB_REASON, FreshdeskImporter
from tunedesk.ingest.importers.intercom import IntercomImporter
from tunedesk.ingest.importers.zendesk import ZendeskImporter
from tunedesk.records import Article, ImportedRecord, Rejected, Role, Ticket

FIXTURES = Path(__file__).parent / "fixtures" / "api"
ZD, FD, IC = FIXTURES / "zendesk", FIXTURES / "freshdesk", FIXTURES / "intercom"
CATEGORY_FIELD = 360001234567
IMPORTERS: list[type[Importer]] = [ZendeskImporter, FreshdeskImporter, IntercomImporter]


def kinds(records: list[ImportedRecord]) -> Counter[str]:
    """How many of each record type came out."""
    return Counter(type(r).__name__ for r in records)


def by_id(records: list[ImportedRecord]) -> dict[str, Ticket]:
    """The tickets of an import, by external id."""
    return {r.external_id: r for r in records if isinstance(r, Ticket)}


def roles(ticket: Ticket) -> list[str]:
    """The thread as a list of role names."""
    return [m.role.value for m in ticket.messages]


def rejected(records: list[ImportedRecord]) -> list[Rejected]:
    """The quarantined records of an import."""
    return [r for r in records if isinstance(r, Rejected)]


def dumped(records: list[ImportedRecord]) -> list[str]:
    """Records as JSON, to compare two imports exactly."""
    return [r.model_dump_json() for r in records]


# ---------------------------------------------------------------- zendesk


def test_zendesk_ndjson_export_with_users() -> None:
    # users after tickets, as a sorted folder lists them: documents are planned before NDJSON is streamed
    records = list(
        ZendeskImporter({"category_field": CATEGORY_FIELD}).read_files([ZD / "tickets.jsonl", ZD / "users.json"])
    )
    assert kinds(records) == {"Ticket": 3}
    tickets = by_id(records)
    first, second, third = tickets["1001"], tickets["1002"], tickets["1003"]
    assert first.id == "zendesk:1001" and first.source == "zendesk"
    assert roles(first) == ["customer", "note", "agent"]
    assert [m.public for m in first.messages] == [True, False, True]
    assert first.messages[2].body == "Hi Maria,\n\nYou have 30 days to return it.\n\nBest,\nJake"
    assert (first.csat, first.category, first.channel, first.status) == (5.0, "returns", "email", "solved")
    assert first.tags == ["returns", "web"]
    assert [(p.name, p.email, p.role) for p in first.participants] == [
        ("Maria Lopez", "maria.lopez@mail.example", Role.customer),
        ("Jake Rivers", "jake@trailhead-outfitters.example", Role.agent),
    ]
    assert first.metadata == {
        "priority": "normal",
        "type": "question",
        "group_id": 77,
        "assignee_id": 601,
        "brand_id": 88,
    }
    # comments come back in time order; an admin's public reply is the agent's; html_body only → plain text
    assert roles(second) == ["customer", "agent", "customer"]
    assert (
        second.messages[1].body == "Hello Tom,\n\nIt ships today & arrives in 3 days:\n\nTracking: 1Z999\nCarrier: UPS"
    )
    assert (second.csat, second.category) == (1.0, "shipping")
    # no comments: the description is the customer's first message; an offered rating is no rating
    assert [(m.role, m.body) for m in third.messages] == [(Role.customer, "When does the store open on Sundays?")]
    assert (third.csat, third.category, third.channel) == (None, None, "api")


def test_zendesk_users_are_consumed_and_name_participants() -> None:
    assert list(ZendeskImporter().read(ZD / "users.json")) == []
    without_users = by_id(list(ZendeskImporter().read(ZD / "tickets.jsonl")))
    # without users the requester still comes from the email's From header, agents stay unnamed
    assert [(p.name, p.role) for p in without_users["1001"].participants] == [("Maria Lopez", Role.customer)]
    assert without_users["1002"].participants == []
    # the admin's reply is still an agent reply: only the requester and end-users are customers
    assert roles(without_users["1002"]) == ["customer", "agent", "customer"]


@pytest.mark.parametrize("quick", [True, False])
def test_zendesk_staff_requester_private_comment_is_a_note(tmp_path: Path, quick: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # An admin who files a ticket is its requester; their private comment is a note, not the customer speaking
    # (the shape of Zendesk's own API client fixtures). An end-user's comment stays the customer's.
    comments = [{"id": 1, "body": "Customer called about a dented stove.", "author_id": 9, "public": False,
                 "created_at": "2030-01-01T10:00:00Z"},
                {"id": 2, "body": "My stove arrived dented.", "author_id": 5, "public": True,
                 "created_at": "2030-01-01T10:05:00Z"},
                {"id": 3, "body": "Sorry! A replacement ships today.", "author_id": 9, "public": True,
                 "created_at": "2030-01-01T10:10:00Z"}]
    ticket = {"id": 42, "requester_id": 9, "assignee_id": 9, "subject": "Dented stove", "via": {"channel": "web"},
              "comments": comments, "created_at": "2030-01-01T10:00:00Z", "status": "solved"}
    users = {"users": [{"id": 9, "name": "Ada Admin", "role": "admin"},
                       {"id": 5, "name": "Sam Lee", "role": "end-user"}]}
    (tmp_path / "users.json").write_text(json.dumps(users))
    (tmp_path / "tickets.jsonl").write_text(json.dumps(ticket) + "\n")
    if not quick:
        monkeypatch.setattr(zendesk, "quick_ticket", lambda run, ticket: None)
    (found,) = by_id(list(ZendeskImporter().read_files([tmp_path / "users.json", tmp_path / "tickets.jsonl"]))).values()
    assert roles(found) == ["note", "customer", "agent"]


def test_zendesk_reimport_gives_identical_records() -> None:
    paths = [ZD / "users.json", ZD / "tickets.jsonl", ZD / "bad_lines.jsonl"]
    importer = ZendeskImporter({"category_field": str(CATEGORY_FIELD)})
    assert dumped(list(importer.read_files(paths))) == dumped(
        list(ZendeskImporter(importer.options.model_dump()).read_files(paths))
    )


def test_zendesk_bad_lines_are_rejected_one_by_one() -> None:
    records = list(ZendeskImporter().read(ZD / "bad_lines.jsonl"))
    assert [r.external_id for r in records if isinstance(r, Ticket)] == ["2001", "2006"]
    bad = {r.locator: r for r in rejected(records)}
    assert sorted(bad) == ["line 2", "line 3", "line 4", "line 5"]
    assert "Unterminated string" in bad["line 2"].reason
    assert bad["line 3"].field == "id" and bad["line 3"].reason == "missing required field"
    assert "cannot decode as utf-8 at byte" in bad["line 4"].reason and "encoding" in bad["line 4"].reason
    assert bad["line 5"].field == "comments[1].body" and "expected a string" in bad["line 5"].reason
    assert all(r.source_file.endswith("bad_lines.jsonl") and r.raw for r in bad.values())


def test_zendesk_encoding_option_reads_a_legacy_codec_line() -> None:
    records = list(ZendeskImporter({"encoding": "latin-1"}).read(ZD / "bad_lines.jsonl"))
    assert by_id(records)["2005"].subject == "Café order"
    assert sorted(r.locator for r in rejected(records)) == ["line 2", "line 3", "line 5"]


# Export lines the quick path (orjson, the common shape) must hand to the exact path (json, every check).
UNUSUAL: dict[str, Callable[[dict[str, Any]], object]] = {
    "an id beyond 64 bits": lambda t: t.update(id=2**70),
    "a group id beyond 64 bits": lambda t: t.update(group_id=2**64 + 1),
    "a float group id": lambda t: t.update(group_id=1.5),
    "a text author id": lambda t: t["comments"][0].update(author_id=str(t["comments"][0]["author_id"])),
    "a timestamp with an offset": lambda t: t["comments"][0].update(created_at="2025-01-01T07:38:24+02:00"),
    "an empty body": lambda t: t["comments"][0].update(body=" "),
    "numbers among tags": lambda t: t.update(tags=[7, "web", None]),
    "a float category": lambda t: t["custom_fields"][0].update(value=2.5),
    "no comments": lambda t: t.update(comments=[]),
    "a mistyped status": lambda t: t.update(status=5),
}


def test_zendesk_quick_path_gives_the_exact_paths_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export, users = tmp_path / "export.jsonl", tmp_path / "users.json"
    write_zendesk_export(export, 16, seed=5)
    tickets = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    for ticket, make_unusual in zip(tickets[1:], UNUSUAL.values(), strict=False):
        make_unusual(ticket)
    # common lines still: comments out of time order, a reply by another end-user, an agent named in users
    reordered, cc = tickets[len(UNUSUAL) + 1], tickets[len(UNUSUAL) + 2]
    reordered["comments"].reverse()
    cc["comments"][1]["author_id"] = 555
    agent = {"id": cc["assignee_id"], "name": "Jo Rivera", "email": "jo@trailhead-outfitters.example", "role": "agent"}
    users.write_text(json.dumps({"users": [agent, {"id": 555, "name": "Sam Cc", "role": "end-user"}]}))
    joined = tickets[len(UNUSUAL) + 3]  # a comment from another file: the exact path joins it
    comment = {"id": 1, "body": "Any news?", "author_id": joined["requester_id"], "created_at": "2030-01-01T00:00:00Z"}
    comments = tmp_path / f"ticket_{joined['id']}_comments.json"
    comments.write_text(json.dumps({"comments": [comment]}))
    lines = [json.dumps(t) for t in tickets] + ['{"id": 7, "requester_id": 1, "comments": [], "priority": NaN}']
    export.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")  # a BOM: line 1 is unusual too
    exact_lines: list[str] = []
    convert = zendesk.convert_ticket

    def exact(run: Any, path: Path, locator: str, raw: Any) -> ImportedRecord:
        exact_lines.append(locator)
        return convert(run, path, locator, raw)

    monkeypatch.setattr(zendesk, "convert_ticket", exact)
    importer = ZendeskImporter({"category_field": CATEGORY_FIELD_ID})
    quick = list(importer.read_files([users, comments, export]))
    assert exact_lines == [f"line {n}" for n in [*range(1, len(UNUSUAL) + 2), len(UNUSUAL) + 4, len(lines)]]
    monkeypatch.setattr(zendesk, "quick_ticket", lambda run, ticket: None)
    assert dumped(quick) == dumped(list(importer.read_files([users, comments, export])))
    tickets_by_id = by_id(quick)
    times = [m.created_at for m in tickets_by_id[str(reordered["id"])].messages if m.created_at is not None]
    assert times == sorted(times) and len(times) == len(reordered["comments"])
    assert tickets_by_id[str(joined["id"])].messages[-1].body == "Any news?"
    cc_ticket = tickets_by_id[str(cc["id"])]
    assert [m.role for m in cc_ticket.messages if m.author == "555"] == [Role.customer]
    assert ("Jo Rivera", Role.agent) in [(p.name, p.role) for p in cc_ticket.participants]
    # integers beyond 64 bits stay exact, floats stay floats, the mistyped status is named
    assert tickets_by_id[str(2**70)].external_id == str(2**70)
    assert tickets_by_id[str(tickets[2]["id"])].metadata["group_id"] == 2**64 + 1
    assert tickets_by_id[str(tickets[3]["id"])].metadata["group_id"] == 1.5
    assert tickets_by_id[str(tickets[8]["id"])].category == "2.5"
    (bad,) = rejected(quick)
    assert (bad.locator, bad.field) == (f"line {len(UNUSUAL) + 1}", "status")
    assert len(quick) == len(lines)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b'{"tickets": [{"id": 1, "subject": "cut', "broken JSON at line 1"),
        (b"42", "no tickets in this payload"),
        (b'"just a string"', "no tickets in this payload"),
        (b'{"macros": [{"id": 1, "title": "Close"}]}', "no tickets in this payload (keys: macros)"),
        (b'{"tickets": [], "ok": true}\xff', "cannot decode as utf-8 at byte 27"),
    ],
)
def test_zendesk_unreadable_file_is_one_rejected(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    (record,) = list(ZendeskImporter().read(path))
    assert isinstance(record, Rejected) and record.locator == "file"
    assert reason in record.reason


def test_zendesk_api_pages_search_and_bare_lists(tmp_path: Path) -> None:
    ticket = json.loads((ZD / "tickets.jsonl").read_text().splitlines()[2])
    pages = {
        "one.json": {"ticket": ticket},
        "page.json": {"tickets": [ticket, "oops"], "end_time": 1, "next_page": None, "users": [], "count": 2},
        "search.json": {"results": [{**ticket, "result_type": "ticket"}, {"id": 9, "result_type": "group"}]},
        "bare.json": [ticket],
        "empty_page.json": {"tickets": [], "end_of_stream": True},
    }
    for name, payload in pages.items():
        (tmp_path / name).write_text(json.dumps(payload))
    records = list(ZendeskImporter().read_files(sorted(tmp_path.iterdir())))
    assert kinds(records) == {"Ticket": 4, "Rejected": 1}
    (bad,) = rejected(records)
    assert (bad.locator, bad.reason) == ("tickets[1]", "expected an object, got str")


def test_zendesk_comments_file_joins_its_ticket_by_file_name(tmp_path: Path) -> None:
    ticket = json.loads((ZD / "tickets.jsonl").read_text().splitlines()[2])  # 1003: no comments of its own
    (tmp_path / "ticket.json").write_text(json.dumps({"ticket": ticket}))
    comments = [
        {
            "id": 5,
            "body": "Sunday 10am to 4pm.",
            "public": True,
            "author_id": 601,
            "created_at": "2026-03-07T11:00:00Z",
        },
        {
            "id": 4,
            "body": "When does the store open?",
            "public": True,
            "author_id": 503,
            "created_at": "2026-03-07T10:00:00Z",
        },
    ]
    (tmp_path / "ticket_1003_comments.json").write_text(json.dumps({"comments": comments, "meta": {"has_more": False}}))
    (tmp_path / "4242").mkdir()
    (tmp_path / "4242" / "comments.json").write_text(json.dumps({"comments": comments}))
    (tmp_path / "comments.json").write_text(json.dumps({"comments": comments}))
    audit = {"ticket_id": 1003, "author_id": 601, "created_at": "2026-03-07T12:00:00Z", "events": [
        {"id": 6, "type": "Comment", "body": "Checked with the store manager.", "public": False},
        {"id": 7, "type": "Change", "field_name": "status", "value": "solved"},
        {"id": 5, "type": "Comment", "body": "Sunday 10am to 4pm.", "public": True},  # seen already: kept once
    ]}  # fmt: skip
    (tmp_path / "audits.json").write_text(json.dumps({"audits": [audit], "next_page": None}))
    paths = [tmp_path / "ticket.json", tmp_path / "ticket_1003_comments.json", tmp_path / "4242" / "comments.json"]
    records = list(ZendeskImporter().read_files([*paths, tmp_path / "comments.json", tmp_path / "audits.json"]))
    (ticket_record,) = [r for r in records if isinstance(r, Ticket)]
    assert [(m.role, m.body) for m in ticket_record.messages] == [
        (Role.customer, "When does the store open?"),
        (Role.agent, "Sunday 10am to 4pm."),
        (Role.note, "Checked with the store manager."),
    ]
    reasons = {r.locator: r.reason for r in rejected(records)}
    assert "ticket 4242 is not in the files read" in reasons["ticket 4242"]
    assert "name the file ticket_<id>_comments.json" in reasons["comments"]


def test_zendesk_real_payloads(shared_data: Path, tmp_path: Path) -> None:
    root = shared_data / "helpdesk_payloads" / "zendesk"
    importer = ZendeskImporter({"category_field": 360005657121})
    expected = {
        "GET/ticket.json": ["2"],
        "GET/tickets.json": ["2", "3"],
        "GET/ticket_show_many.json": ["2", "3"],
        "GET/search_ticket.json": ["4"],
        "ticket_result.json": ["4"],
        "POST/ticket.json": ["4"],
        "PUT/ticket.json": ["2"],
        "GET/ticket_custom_field.json": ["4"],
    }
    for name, ids in expected.items():
        records = list(importer.read(root / name))
        assert [r.external_id for r in records if isinstance(r, Ticket)] == ids, name
        assert not rejected(records), name
    ticket = by_id(list(importer.read(root / "GET/ticket.json")))["2"]
    assert (ticket.subject, ticket.status, ticket.channel) == (
        "Mail to create fixture ticket for testing",
        "solved",
        "email",
    )
    assert roles(ticket) == ["customer"] and ticket.messages[0].body.endswith("nukosuke (●ↀ ω ↀ●)")
    assert [p.name for p in ticket.participants] == ["Yosuke Tamura"]
    assert by_id(list(importer.read(root / "GET/ticket_custom_field.json")))["4"].category == "list, of, values"
    created = by_id(list(importer.read(root / "POST/ticket.json")))["4"]  # the message comes from the audit's Comment
    assert [(m.role, m.body) for m in created.messages] == [(Role.customer, "(●ↀ ω ↀ )")]
    assert created.metadata["priority"] == "urgent"
    for users in ("GET/users.json", "GET/user.json", "GET/search_user.json", "POST/users.json"):
        assert list(importer.read(root / users)) == [], users
    (tmp_path / "2").mkdir()
    shutil.copy(root / "GET/ticket_comments.json", tmp_path / "2" / "comments.json")
    joined = by_id(
        list(
            importer.read_files([root / "GET/users.json", root / "GET/tickets.json", tmp_path / "2" / "comments.json"])
        )
    )
    assert [m.created_at.hour if m.created_at else None for m in joined["2"].messages] == [1, 2]
    (orphans,) = list(importer.read(root / "GET/ticket_comments.json"))
    assert isinstance(orphans, Rejected) and "without a ticket id" in orphans.reason
    for other in ("GET/macros.json", "GET/groups.json", "GET/search_group.json", "GET/ticket_fields.json"):
        (record,) = list(importer.read(root / other))
        assert isinstance(record, Rejected) and record.reason.startswith("no tickets in this payload"), other


# ---------------------------------------------------------------- freshdesk


def test_freshdesk_ticket_joined_with_conversations_from_another_file() -> None:
    paths = [FD / "contacts.json", FD / "agents.json", FD / "ticket_7.json", FD / "conversations.json"]
    records = list(FreshdeskImporter({"category_field": "cf_product"}).read_files(paths))
    assert kinds(records) == {"Ticket": 1, "Rejected": 1}
    ticket = by_id(records)["7"]
    assert ticket.id == "freshdesk:7"
    assert roles(ticket) == ["customer", "agent", "customer", "note", "agent"]
    assert ticket.messages[0].body == "Hi,\nthe zip on my Summit 2P tent broke."
    assert ticket.messages[3].body == "Warranty approved, ship a new zip kit." and not ticket.messages[3].public
    assert (ticket.status, ticket.channel, ticket.category) == ("resolved", "email", "tents")
    assert ticket.metadata == {
        "priority": 2, "type": "Problem", "group_id": 3, "assignee_id": 901,
        "is_escalated": False, "status_code": 4, "source_code": 1,
    }  # fmt: skip
    assert [(p.name, p.role) for p in ticket.participants] == [
        ("Lena Fischer", Role.customer),
        ("Sam Agent", Role.agent),
    ]
    (orphan,) = rejected(records)
    assert orphan.locator == "ticket 99" and "ticket 99 is not in the files read" in orphan.reason


def test_freshdesk_v1_ticket_with_embedded_notes() -> None:
    (ticket,) = list(FreshdeskImporter().read(FD / "v1_ticket_12.json"))
    assert isinstance(ticket, Ticket) and ticket.external_id == "12"  # the display id, not the internal one
    assert [(m.role, m.body) for m in ticket.messages] == [
        (Role.customer, "Where is my order?"),
        (Role.agent, "It left our warehouse today."),
    ]
    assert (ticket.status, ticket.channel, ticket.metadata["is_escalated"]) == ("closed", "phone", True)
    assert ticket.created_at is not None and ticket.created_at.isoformat() == "2015-01-01T00:00:00+00:00"


def test_freshdesk_reimport_gives_identical_records() -> None:
    paths = sorted(FD.iterdir())
    assert dumped(list(FreshdeskImporter().read_files(paths))) == dumped(list(FreshdeskImporter().read_files(paths)))


def test_freshdesk_bad_tickets_in_a_list(tmp_path: Path) -> None:
    good = json.loads((FD / "ticket_7.json").read_text())
    html_only = {**good, "id": 9, "description_text": None}
    payload = [good, {**good, "id": None}, {**good, "id": 8, "status": "2", "tags": "warranty"}, 17, html_only]
    (tmp_path / "tickets.json").write_text(json.dumps(payload))
    records = list(FreshdeskImporter().read(tmp_path / "tickets.json"))
    assert [type(r).__name__ for r in records] == ["Ticket", "Rejected", "Rejected", "Rejected", "Ticket"]
    assert [(r.locator, r.field) for r in rejected(records)] == [("[1]", "id"), ("[2]", "tags"), ("[3]", None)]
    assert by_id(records)["9"].messages[0].body == "Hi,\nthe zip on my Summit 2P tent broke."  # from the HTML


def test_freshdesk_real_payloads(shared_data: Path) -> None:
    root = shared_data / "helpdesk_payloads" / "freshdesk"
    importer = FreshdeskImporter()
    expected = {"ticket_1.json": 1, "ticket_1_updated.json": 1, "all_tickets.json": 1, "search_tickets.json": 2}
    for name, count in expected.items():
        records = list(importer.read(root / name))
        assert kinds(records) == {"Ticket": count}, name
    (ticket,) = list(importer.read(root / "ticket_1.json"))
    assert isinstance(ticket, Ticket)
    assert [(m.role, m.body) for m in ticket.messages] == [
        (Role.customer, "This is a sample ticket, feel free to delete it.")
    ]
    assert (ticket.status, ticket.channel, ticket.tags) == ("open", "portal", ["foo", "bar"])
    assert ticket.metadata["is_escalated"] is True and ticket.participants[0].name == "Dummyname"
    joined = list(importer.read_files([root / "agents.json", root / "ticket_1.json", root / "conversations.json"]))
    assert kinds(joined) == {"Ticket": 1}
    assert roles(by_id(joined)["1"]) == ["customer", "note", "agent"]
    for people in ("contacts.json", "contact.json", "agents.json", "agent_1.json", "search_contacts.json"):
        assert list(importer.read(root / people)) == [], people
    for alone in ("conversations.json", "reply_1.json", "note_1.json"):
        (record,) = list(importer.read(root / alone))
        assert isinstance(record, Rejected) and "ticket 1 is not in the files read" in record.reason, alone
    for articles in ("solution_articles.json", "solution_articles_fr.json"):
        (record,) = list(importer.read(root / articles))
        assert isinstance(record, Rejected) and record.reason == KB_REASON
        assert not FreshdeskImporter.sniff(root / articles, read_head(root / articles))
    for other in ("companies.json", "groups.json", "roles.json", "time_entries.json", "solution_folders.json"):
        (record,) = list(importer.read(root / other))
        assert isinstance(record, Rejected) and record.reason.startswith("no tickets in this payload"), other


# ---------------------------------------------------------------- intercom


def test_intercom_conversation_with_notes_events_and_rating() -> None:
    (ticket,) = list(IntercomImporter().read(IC / "conversation_9001.json"))
    assert isinstance(ticket, Ticket) and ticket.id == "intercom:9001"
    assert roles(ticket) == ["customer", "agent", "note", "customer", "agent"]  # the bodiless assignment is skipped
    assert ticket.messages[0].body == "Hi! Does the Ridgeline jacket run small?\n\nThanks,\nPriya"
    assert (ticket.subject, ticket.status, ticket.channel, ticket.csat) == (
        "Sizing for the Ridgeline jacket", "closed", "email", 4.0,
    )  # fmt: skip
    assert ticket.tags == ["sizing", "jackets"]
    assert [(p.name, p.role) for p in ticket.participants] == [("Priya Shah", Role.customer), ("Noah Kim", Role.agent)]
    assert ticket.created_at is not None and ticket.created_at.isoformat() == "2026-04-01T08:00:00+00:00"
    assert dumped([ticket]) == dumped(list(IntercomImporter().read(IC / "conversation_9001.json")))


def test_intercom_lists_ndjson_and_bad_records(tmp_path: Path) -> None:
    conversation = json.loads((IC / "conversation_9001.json").read_text())
    listing = {"type": "conversation.list", "conversations": [conversation, {**conversation, "id": None}]}
    (tmp_path / "list.json").write_text(json.dumps(listing))
    lines = [json.dumps({**conversation, "id": "9002"}), "{not json", json.dumps({**conversation, "tags": 5})]
    (tmp_path / "export.jsonl").write_text("\n".join(lines) + "\n")
    records = list(IntercomImporter().read_files([tmp_path / "list.json", tmp_path / "export.jsonl"]))
    assert [getattr(r, "external_id", None) for r in records] == ["9001", None, "9002", None, None]
    assert [(r.locator, r.field) for r in rejected(records)] == [
        ("conversations[1]", "id"), ("line 2", None), ("line 3", "tags"),
    ]  # fmt: skip


def _intercom_examples(shared_data: Path, tmp_path: Path) -> dict[str, list[Path]]:
    """Each response body of the curated wrapper as its own file, by endpoint."""
    wrapper = json.loads((shared_data / "helpdesk_payloads/intercom/api_2.14_response_examples.json").read_text())
    files: dict[str, list[Path]] = {}
    for n, (endpoint, examples) in enumerate(sorted(wrapper["responses"].items())):
        for k, example in enumerate(examples):
            path = tmp_path / f"{n:02d}_{k}.json"
            path.write_text(json.dumps(example["body"]))
            files.setdefault(endpoint, []).append(path)
    return files


def test_intercom_real_payloads(shared_data: Path, tmp_path: Path) -> None:
    files = _intercom_examples(shared_data, tmp_path)
    importer = IntercomImporter()

    def read(endpoint: str) -> list[ImportedRecord]:
        return [r for path in files[endpoint] for r in importer.read(path)]

    assert kinds(read("GET /conversations")) == {"Ticket": 1}
    assert kinds(read("POST /conversations/search")) == {"Ticket": 1}
    assert kinds(read("POST /conversations/{conversation_id}/reply")) == {"Ticket": 4}
    assert kinds(read("POST /conversations/{conversation_id}/parts")) == {"Ticket": 4}
    (found,) = read("GET /conversations/{conversation_id}")
    assert isinstance(found, Ticket) and found.tags == ["Test tag"] and found.status == "closed"
    assert sorted(roles(found)) == ["agent", "agent"]  # the source and "Okay!"; the bodiless events are skipped
    replies = {r.external_id: r for r in read("POST /conversations/{conversation_id}/reply") if isinstance(r, Ticket)}
    assert roles(replies["525"]) == ["agent", "note"]
    assert replies["525"].messages[1].body.startswith("An Unordered HTML List\nCoffee\nTea\nMilk")
    assert roles(replies["524"]) == ["agent", "customer"]  # the user's reply that reopens the conversation
    articles = read("GET /articles") + read("GET /articles/{article_id}") + read("GET /articles/search")
    assert {a.id for a in articles if isinstance(a, Article)} == {"intercom:39", "intercom:45", "intercom:55"}
    assert len(articles) == 3
    tickets = read("GET /tickets/{ticket_id}") + read("POST /tickets/search")
    assert [(t.external_id, t.subject, t.status) for t in tickets if isinstance(t, Ticket)] == [
        ("631", "attribute_value", "submitted"), ("633", "attribute_value", "submitted"),
    ]  # fmt: skip
    assert read("GET /contacts/{contact_id}") == [] and read("GET /admins") == []
    for other in ("GET /help_center/collections", "POST /tickets/{ticket_id}/reply"):
        assert all(isinstance(r, Rejected) and r.locator == "file" for r in read(other)) and read(other), other


# ---------------------------------------------------------------- all three


def assert_sniffed_only_by(samples: dict[type[Importer], list[Path]]) -> None:
    """Each sample is recognised by its own importer and by no other."""
    for owner, paths in samples.items():
        for path in paths:
            head = read_head(path)
            assert [cls for cls in IMPORTERS if cls.sniff(path, head)] == [owner], path


def test_sniff_recognises_own_fixtures_and_not_the_others() -> None:
    assert_sniffed_only_by(
        {
            ZendeskImporter: [ZD / "tickets.jsonl", ZD / "users.json", ZD / "bad_lines.jsonl"],
            FreshdeskImporter: [FD / "ticket_7.json", FD / "conversations.json", FD / "v1_ticket_12.json"],
            IntercomImporter: [IC / "conversation_9001.json"],
        }
    )


def test_sniff_recognises_real_payloads_and_not_the_others(shared_data: Path, tmp_path: Path) -> None:
    payloads = shared_data / "helpdesk_payloads"
    intercom = _intercom_examples(shared_data, tmp_path)
    assert_sniffed_only_by(
        {
            ZendeskImporter: [payloads / f"zendesk/GET/{name}.json" for name in ("ticket", "tickets", "users")]
            + [payloads / "zendesk/GET/ticket_comments.json", payloads / "zendesk/POST/ticket.json"],
            FreshdeskImporter: [payloads / f"freshdesk/{name}.json" for name in ("ticket_1", "all_tickets")]
            + [payloads / "freshdesk/conversations.json", payloads / "freshdesk/contacts.json"],
            IntercomImporter: [intercom[e][0] for e in ("GET /conversations", "GET /tickets/{ticket_id}")]
            + [intercom["GET /articles/{article_id}"][0], intercom["GET /admins"][0]],
        }
    )
    for neutral in (payloads / "freshdesk/solution_articles.json", payloads / "zendesk/GET/macros.json"):
        assert not any(cls.sniff(neutral, read_head(neutral)) for cls in IMPORTERS), neutral


@pytest.mark.parametrize("importer", IMPORTERS)
def test_options_forbid_unknown_keys_and_bad_codecs(importer: type[Importer]) -> None:
    with pytest.raises(ConfigError, match=r"options\.colour"):
        importer({"colour": "blue"})
    with pytest.raises(ConfigError, match="unknown text encoding"):
        importer({"encoding": "klingon-8"})
    renamed = importer({"source_name": "eu"})
    fixture = {ZendeskImporter: ZD / "tickets.jsonl", FreshdeskImporter: FD / "ticket_7.json"}.get(
        importer, IC / "conversation_9001.json"
    )
    tickets = [r for r in renamed.read(fixture) if isinstance(r, Ticket)]
    assert tickets and all(t.id.startswith("eu:") and t.source == "eu" for t in tickets)


@pytest.mark.parametrize("importer", IMPORTERS)
def test_truncated_and_garbled_payloads_never_crash(importer: type[Importer], tmp_path: Path) -> None:
    sources = [ZD / "tickets.jsonl", FD / "ticket_7.json", FD / "conversations.json", IC / "conversation_9001.json"]
    for source in sources:
        data = source.read_bytes()
        for n, cut in enumerate(range(0, len(data), max(1, len(data) // 25))):
            garbled = data[:cut] + b"\xff\x00}" + data[cut + 7 :] if n % 2 else data[:cut]
            path = tmp_path / f"{source.stem}_{n}{source.suffix}"
            path.write_bytes(garbled)
            records = list(importer().read(path))
            assert all(isinstance(r, Ticket | Article | Rejected) for r in records), path
            lines = sum(1 for line in garbled.split(b"\n") if line.strip())
            if source.suffix == ".jsonl":  # one outcome per non-blank line, whatever the damage; an empty file is one
                assert len(records) == max(lines, 1), path
            else:  # none of these documents is auxiliary for every importer: something always comes out
                assert records, path
