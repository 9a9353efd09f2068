"""The command line as a user runs it: init → ingest → clean, --json output, clean errors, quarantine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tunedesk import example


def tunedesk(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tunedesk", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def zendesk_line(ticket_id: int, customer: str, agent: str, *, rating: str = "good", requester: str = "Maria Lopez",
                 **extra: object) -> str:
    """One ticket as Zendesk's JSON export has it (submitter, via.source.from with the requester's name)."""
    ticket = {
        "id": ticket_id, "subject": f"Question {ticket_id}", "status": "solved", "requester_id": 1,
        "submitter_id": 1, "tags": [],
        "via": {"channel": "email", "source": {"from": {"address": "maria.lopez@gmail.example", "name": requester}}},
        "created_at": "2026-03-01T10:00:00Z", "satisfaction_rating": {"score": rating},
        "comments": [
            {"id": ticket_id * 10, "body": customer, "public": True, "author_id": 1,
             "created_at": "2026-03-01T10:00:00Z"},
            {"id": ticket_id * 10 + 1, "body": agent, "public": True, "author_id": 2,
             "created_at": "2026-03-01T11:00:00Z"},
        ],
    }
    ticket.update(extra)
    return json.dumps(ticket)


@pytest.fixture
def blank(tmp_path: Path) -> Path:
    ws = tmp_path / "brand"
    result = tunedesk("init", str(ws))
    assert result.returncode == 0, result.stderr
    return ws


def test_init_writes_a_valid_workspace_and_can_rerun(blank: Path) -> None:
    for name in ("tunedesk.yaml", "policies.yaml", "redaction.yaml", "kb/README.md", ".gitignore"):
        assert (blank / name).exists(), name
    again = tunedesk("init", str(blank))
    assert again.returncode == 0 and "kept" in again.stdout
    assert tunedesk("config", "-w", str(blank)).returncode == 0


def test_ingest_and_clean_json_counts(blank: Path) -> None:
    export = blank / "export.jsonl"
    lines = [
        zendesk_line(1, "Hi, what is your return window?", "Hi there, you have 30 days from delivery to return."),
        "{not json",
        zendesk_line(3, "Can I pay with PayPal?", "Yes, PayPal works at checkout for every order."),
        json.dumps({"subject": "no id", "comments": []}),
        zendesk_line(5, "Is the store open on Sunday?", "I'll check with engineering and get back to you."),
        zendesk_line(6, "Where is my parcel?", "It shipped yesterday; tracking is in your email.", rating="bad"),
    ]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = tunedesk("ingest", str(export), "--format", "zendesk", "-w", str(blank), "--json")
    assert result.returncode == 0, result.stderr
    ingested = json.loads(result.stdout)
    assert ingested["in"] == 6 and ingested["kept"] == 4 and ingested["quarantined"] == 2
    quarantine = [json.loads(x) for x in Path(ingested["paths"]["quarantine"]).read_text().splitlines()]
    assert {q["locator"] for q in quarantine} == {"line 2", "line 4"}
    assert any(q["field"] == "id" for q in quarantine)
    assert all(q["source_file"].endswith("export.jsonl") for q in quarantine)

    result = tunedesk("clean", "-w", str(blank), "--json")
    assert result.returncode == 0, result.stderr
    cleaned = json.loads(result.stdout)
    assert cleaned["in"] == 4 and cleaned["kept"] == 2
    assert cleaned["dropped"] == {"non_answer": 1, "low_csat": 1}
    assert cleaned["kept"] + sum(cleaned["dropped"].values()) + cleaned["quarantined"] == cleaned["in"]
    for key in ("funnel_json", "funnel_md", "review_html", "review_csv"):
        assert Path(cleaned["paths"][key]).exists()


def test_reingest_is_idempotent_and_updates_changed_tickets(blank: Path) -> None:
    export = blank / "export.jsonl"
    export.write_text(zendesk_line(1, "Hello?", "Hi, yes we ship to Canada in 5 days.") + "\n")
    first = json.loads(tunedesk("ingest", str(export), "-f", "zendesk", "-w", str(blank), "--json").stdout)
    second = json.loads(tunedesk("ingest", str(export), "-f", "zendesk", "-w", str(blank), "--json").stdout)
    assert first["tickets"]["new"] == 1 and second["tickets"] == {"new": 0, "updated": 0, "unchanged": 1}
    export.write_text(zendesk_line(1, "Hello? (edited)", "Hi, yes we ship to Canada in 5 days.") + "\n")
    third = json.loads(tunedesk("ingest", str(export), "-f", "zendesk", "-w", str(blank), "--json").stdout)
    assert third["tickets"] == {"new": 0, "updated": 1, "unchanged": 0}


def test_user_mistakes_are_clean_errors_without_traceback(blank: Path, tmp_path: Path) -> None:
    cases = [
        (("ingest", "missing.json", "-w", str(blank)), "no such file"),
        (("ingest", str(blank / "tunedesk.yaml"), "--format", "nope", "-w", str(blank)), "unknown format 'nope'"),
        (("clean", "-w", str(tmp_path / "nowhere")), "not a tunedesk workspace"),
        (("clean", "clean.min_csat=9", "clean.bogus=1", "-w", str(blank)), "clean.bogus"),
        (("clean", "notanoverride", "-w", str(blank)), "expected key=value"),
    ]
    for args, message in cases:
        result = tunedesk(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_bad_config_file_lists_every_problem(blank: Path) -> None:
    (blank / "tunedesk.yaml").write_text("clean:\n  min_csat: nine\n  max_reply_words: -3\nstore: {uri: x}\n")
    result = tunedesk("status", "-w", str(blank))
    assert result.returncode == 2
    assert "3 problem(s)" in result.stderr
    for key in ("clean.min_csat", "clean.max_reply_words", "store.uri"):
        assert key in result.stderr


def test_text_that_is_not_valid_unicode_is_quarantined_not_a_crash(blank: Path) -> None:
    export = blank / "export.jsonl"
    bad = zendesk_line(1, "broken \ud800 text", "Hello, yes we do.")  # json.dumps writes it as the escape \ud800
    export.write_text(bad + "\n" + zendesk_line(2, "Hi?", "Hello, yes we do.") + "\n")
    result = tunedesk("ingest", str(export), "-f", "zendesk", "-w", str(blank), "--json")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    summary = json.loads(result.stdout)
    assert summary["in"] == 2 and summary["tickets"]["new"] == 1 and summary["quarantined"] == 1
    assert summary["by_format"]["zendesk"] == {"in": 2, "tickets": 1, "articles": 0, "quarantined": 1}


def test_unrecognised_files_in_a_folder_are_quarantined(blank: Path) -> None:
    folder = blank / "mixed"
    folder.mkdir()
    (folder / "tickets.jsonl").write_text(zendesk_line(1, "Hi?", "Hello, yes, we do.") + "\n")
    (folder / "notes.bin").write_bytes(b"\x00\x01\x02 binary")
    result = json.loads(tunedesk("ingest", str(folder), "-w", str(blank), "--json").stdout)
    assert result["in"] == 2 and result["quarantined"] == 1 and result["tickets"]["new"] == 1


PLANTED = {
    "email": "maria.lopez@gmail.example",
    "phone": "+1 (415) 555-0199",
    "card": "4111 1111 1111 1111",
    "iban": "DE89 3704 0044 0532 0130 00",
    "address": "742 Evergreen Terrace, Springfield, IL 62704",
    "name": "Maria Lopez",
    "order": "TH-104233",
}


def test_every_pii_type_is_gone_after_clean_but_the_allowlist_stays(tmp_path: Path) -> None:
    ws = tmp_path / "trail"
    assert tunedesk("init", str(ws), "--example", "--tickets", "20").returncode == 0
    customer = (
        f"Hi, I'm {PLANTED['name']}. My order {PLANTED['order']} never came. Email me at {PLANTED['email']} or call "
        f"{PLANTED['phone']}. Ship to {PLANTED['address']}. Card {PLANTED['card']}, IBAN {PLANTED['iban']}.\n\n"
        f"Thanks,\nMaria"
    )
    agent = (f"Hi Maria,\n\nSorry about that! Write to {example.SUPPORT_EMAIL} or call {example.STORE_PHONE}; "
             f"our store is at {example.STORE_ADDRESS}.")
    export = tmp_path / "pii.jsonl"
    export.write_text(zendesk_line(900001, customer, agent) + "\n")
    assert tunedesk("ingest", str(export), "-f", "zendesk", "-w", str(ws), "--json").returncode == 0
    result = tunedesk("clean", "-w", str(ws), "--json")
    assert result.returncode == 0, result.stderr
    import sqlite3

    data = sqlite3.connect(ws / "tunedesk.db").execute(
        "SELECT data FROM clean_tickets WHERE id = 'zendesk:900001'").fetchone()[0]
    for kind, value in PLANTED.items():
        assert value not in data, kind
    assert "Maria" not in data and "104233" not in data
    for kept in (example.SUPPORT_EMAIL, example.STORE_PHONE, example.STORE_ADDRESS):
        assert kept in data
    assert PLANTED["email"] not in result.stdout and PLANTED["name"] not in result.stdout
    funnel = (ws / "reports" / "clean_funnel.json").read_text() + (ws / "reports" / "clean_funnel.md").read_text()
    assert all(value not in funnel for value in PLANTED.values())
