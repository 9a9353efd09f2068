"""Re-importing never loses data: a list payload after a detail payload merges into the stored ticket; one ingest
joins tickets and audits across the paths it was given; an explicit path is read with its source's options."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tunedesk.cli.main import app
from tunedesk.ingest import stage as ingest
from tunedesk.records import Message, Participant, Role, Ticket
from tunedesk.scaffold import init_workspace
from tunedesk.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "merge"
FD, IC, ZD = FIXTURES / "freshdesk", FIXTURES / "intercom", FIXTURES / "zendesk"
CATEGORY_FIELD = 360001234567

# importer: (detail payloads, list payload, ticket id, the detail's thread, the detail's tags)
SHAPES = {
    "freshdesk_v1": ([FD / "v1_ticket_21.json"], FD / "v1_tickets.json", "freshdesk:21", ["exchange", "boots"]),
    "freshdesk_v2": ([FD / "ticket_22.json"], FD / "tickets.json", "freshdesk:22", ["stoves", "warranty"]),
    "intercom": ([IC / "conversation_7001.json"], IC / "conversations.json", "intercom:7001",
                 ["returns", "sleeping-bags"]),
    "zendesk": ([ZD / "export.jsonl"], ZD / "tickets.json", "zendesk:666", ["tents", "warranty"]),
}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    init_workspace(tmp_path / "ws")
    return Workspace.open(tmp_path / "ws")


def stored(ws: Workspace, ticket_id: str) -> Ticket:
    """The stored ticket of an id."""
    (found,) = [t for t in ws.store.iter_tickets() if t.id == ticket_id]
    return found


def thread(ticket: Ticket) -> list[tuple[str, str]]:
    """The thread as (role, start of the body)."""
    return [(m.role.value, m.body[:30]) for m in ticket.messages]


# ---------------------------------------------------------------- no data lost on re-import


@pytest.mark.parametrize("shape", SHAPES)
def test_list_after_detail_keeps_messages_notes_and_tags(ws: Workspace, shape: str) -> None:
    details, listing, ticket_id, tags = SHAPES[shape]
    ingest.run(ws, details)
    detailed = stored(ws, ticket_id)
    assert [m.role for m in detailed.messages] == [Role.customer, Role.agent, Role.note]
    assert detailed.tags == tags
    again = ingest.run(ws, [listing])
    after = stored(ws, ticket_id)
    assert thread(after) == thread(detailed)  # before the merge: the agent's reply and the note were gone
    assert after.tags == tags
    assert after == detailed
    assert vars(again.tickets) == {"new": 0, "updated": 0, "unchanged": 1}


@pytest.mark.parametrize("shape", SHAPES)
def test_detail_after_list_still_updates(ws: Workspace, tmp_path: Path, shape: str) -> None:
    details, listing, ticket_id, tags = SHAPES[shape]
    ingest.run(ws, [listing])
    assert [m.role for m in stored(ws, ticket_id).messages] == [Role.customer]
    richer = ingest.run(ws, details)
    assert vars(richer.tickets) == {"new": 0, "updated": 1, "unchanged": 0}
    init_workspace(tmp_path / "fresh")
    fresh = Workspace.open(tmp_path / "fresh")
    ingest.run(fresh, details)
    assert stored(ws, ticket_id) == stored(fresh, ticket_id)  # the same as the detail alone
    assert stored(ws, ticket_id).tags == tags


def ticket(updated: str, status: str, messages: list[Message], **extra: Any) -> Ticket:
    return Ticket(id="zendesk:1", source="zendesk", external_id="1", status=status, messages=messages,
                  updated_at=datetime.fromisoformat(updated), **extra)


def message(role: Role, body: str, hour: int, author: str = "7") -> Message:
    return Message(role=role, body=body, author=author, created_at=datetime(2026, 5, 1, hour, tzinfo=UTC))


def test_store_takes_newer_fields_replaces_edited_messages_and_keeps_participants(ws: Workspace) -> None:
    question, answer = message(Role.customer, "Where is my order?", 9), message(Role.agent, "It ships today.", 10, "8")
    maria = Participant(name="Maria Lopez", email="maria@mail.example")
    current = ticket("2026-05-02T00:00:00+00:00", "solved", [question, answer], participants=[maria], tags=["a"])
    stale = ticket("2026-05-01T12:00:00+00:00", "open", [question], tags=["b"], category="orders")
    ws.store.upsert_tickets([current])
    assert vars(ws.store.upsert_tickets([stale])) == {"new": 0, "updated": 1, "unchanged": 0}
    merged = stored(ws, "zendesk:1")
    assert merged.status == "solved" and merged.category == "orders"  # an older list does not reopen the ticket
    assert merged.messages == [question, answer] and merged.participants == [maria] and merged.tags == ["a", "b"]
    edited = message(Role.customer, "Where is my order #1?", 9)
    ws.store.upsert_tickets([ticket("2026-05-03T00:00:00+00:00", "closed", [edited])])
    merged = stored(ws, "zendesk:1")
    assert merged.status == "closed" and merged.messages == [edited, answer]  # replaced, not doubled


def test_real_freshdesk_list_after_ticket_and_conversations_keeps_the_reply(shared_data: Path, ws: Workspace) -> None:
    from tunedesk.clean import stage as clean

    root = shared_data / "helpdesk_payloads" / "freshdesk"
    ingest.run(ws, [root / "agents.json", root / "ticket_1.json", root / "conversations.json"])
    ingest.run(ws, [root / "all_tickets.json"])  # the v1 list: no conversations, other tags, an older update time
    after = stored(ws, "freshdesk:1")
    assert [m.role for m in after.messages] == [Role.customer, Role.note, Role.agent]  # was: the customer's alone
    assert after.tags == ["foo", "bar", "mytag"] and after.status == "open"
    assert clean.run(ws).as_dict()["kept"] == 1  # was: dropped as no_agent_reply


# ---------------------------------------------------------------- zendesk audits


def test_ticket_and_its_audits_as_two_arguments_of_one_ingest_are_joined(ws: Workspace) -> None:
    summary = ingest.run(ws, [ZD / "ticket_666.json", ZD / "ticket_audits.json"])
    assert summary.quarantined == 0, ws.store.quarantined("ingest")  # was: "ticket 666 is not in the files read"
    assert thread(stored(ws, "zendesk:666")) == [
        ("customer", "Hello, one pole of my Ridge 3 "), ("agent", "Yes, poles are covered for two"),
    ]


def test_audit_read_from_one_folder_keeps_the_ticket_description(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "zendesk"
    folder.mkdir()
    for name in ("ticket_666.json", "ticket_audits.json"):
        shutil.copy(ZD / name, folder / name)
    ingest.run(ws, [folder])
    assert thread(stored(ws, "zendesk:666")) == [  # was: only the agent's reply, the customer's message lost
        ("customer", "Hello, one pole of my Ridge 3 "), ("agent", "Yes, poles are covered for two"),
    ]


def test_audit_stream_with_the_creation_comment_does_not_double_the_description(ws: Workspace,
                                                                                 tmp_path: Path) -> None:
    audits = json.loads((ZD / "ticket_audits.json").read_text())
    description = json.loads((ZD / "ticket_666.json").read_text())["ticket"]["description"]
    creation = {"id": 89999, "ticket_id": 666, "created_at": "2026-05-04T09:00:00Z", "author_id": 7001,
                "events": [{"id": 899991, "type": "Comment", "author_id": 7001, "public": True,
                            "body": description, "plain_body": description}]}
    audits["audits"].insert(0, creation)
    (tmp_path / "audits.json").write_text(json.dumps(audits))
    ingest.run(ws, [ZD / "ticket_666.json", tmp_path / "audits.json"])
    assert [m.role for m in stored(ws, "zendesk:666").messages] == [Role.customer, Role.agent]


# ---------------------------------------------------------------- an explicit path and its source's options


@pytest.fixture
def sourced(tmp_path: Path) -> Path:
    """A workspace whose tunedesk.yaml reads exports/ as Zendesk with a category field."""
    root = tmp_path / "brand"
    init_workspace(root)
    config = yaml.safe_load((root / "tunedesk.yaml").read_text()) or {}
    config["sources"] = [{"path": "exports/", "format": "zendesk", "options": {"category_field": CATEGORY_FIELD}}]
    (root / "tunedesk.yaml").write_text(yaml.safe_dump(config))
    (root / "exports").mkdir()
    shutil.copy(ZD / "export.jsonl", root / "exports" / "export.jsonl")
    return root


@pytest.mark.parametrize("given", ["exports", "exports/export.jsonl"])
def test_explicit_path_uses_the_matching_sources_options(sourced: Path, given: str) -> None:
    result = CliRunner().invoke(app, ["ingest", str(sourced / given), "-w", str(sourced), "--json", "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["tickets"]["new"] == 1
    assert stored(Workspace.open(sourced), "zendesk:666").category == "warranty"  # was None
    (applied,) = summary["applied"].values()
    assert "sources[0] (exports/)" in applied and f"category_field={CATEGORY_FIELD}" in applied


def test_explicit_path_says_which_options_it_applied(sourced: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.jsonl"
    shutil.copy(ZD / "export.jsonl", elsewhere)
    text = CliRunner().invoke(app, ["ingest", str(sourced / "exports"), "-w", str(sourced)])
    assert text.exit_code == 0, text.output
    assert "exports: read with tunedesk.yaml sources[0] (exports/): format zendesk" in text.output
    other = CliRunner().invoke(app, ["ingest", str(elsewhere), "-w", str(sourced), "-o", "category_field=1"])
    assert other.exit_code == 0, other.output
    assert "no tunedesk.yaml source: format recognised per file, options category_field=1" in other.output
