"""init --example → ingest → clean on a small example corpus, checked against the generator's ground truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tunedesk import example
from tunedesk.clean import stage
from tunedesk.clean.quality import DROP_REASONS
from tunedesk.config import load_config
from tunedesk.config.policies import load_policies
from tunedesk.ingest import stage as ingest
from tunedesk.scaffold import init_workspace
from tunedesk.workspace import Workspace

N = 300


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict, dict]:
    root = tmp_path_factory.mktemp("example")
    init_workspace(root, example=True, example_tickets=N)
    ws = Workspace.open(root)
    ingested = ingest.run(ws).as_dict()
    summary = stage.run(ws).as_dict()
    return ws, ingested, summary


@pytest.fixture(scope="module")
def truth() -> dict[str, example.TicketTruth]:
    _, _, truths = example.generate_tickets(N, 7)
    return {f"zendesk:{t.external_id}": t for t in truths}


@pytest.fixture(scope="module")
def rows(cleaned: tuple[Workspace, dict, dict]) -> dict:
    ws = cleaned[0]
    return {t.id: (t, info) for t, info in ws.store.iter_clean(outcome=None)}


def test_shipped_example_files_validate(cleaned: tuple[Workspace, dict, dict]) -> None:
    ws = cleaned[0]
    load_config(ws.root / "tunedesk.yaml")
    assert load_policies(ws.root / "policies.yaml").brand == example.BRAND

    rules = ws.redaction_rules()
    assert example.SUPPORT_EMAIL in rules.allowlist


def test_ingest_accounts_for_every_record(cleaned: tuple[Workspace, dict, dict]) -> None:
    ws, ingested, _ = cleaned
    assert ingested["in"] == N + len(example.kb_articles())
    assert ingested["tickets"]["new"] == N and ingested["quarantined"] == 0
    assert ws.store.count("tickets") == N and ws.store.count("articles") == len(example.kb_articles())


def test_reingest_changes_nothing(cleaned: tuple[Workspace, dict, dict]) -> None:
    ws = cleaned[0]
    again = ingest.run(ws).as_dict()
    assert again["tickets"] == {"new": 0, "updated": 0, "unchanged": N}
    assert again["articles"]["new"] == 0 and again["articles"]["updated"] == 0
    assert ws.store.count("tickets") == N


def test_clean_funnel_adds_up_and_is_written(cleaned: tuple[Workspace, dict, dict]) -> None:
    ws, _, summary = cleaned
    assert summary["in"] == N
    assert summary["kept"] + sum(summary["dropped"].values()) + summary["quarantined"] == N
    assert set(summary["dropped"]) <= set(DROP_REASONS)
    funnel = json.loads(Path(summary["paths"]["funnel_json"]).read_text())
    assert funnel["kept"] == summary["kept"]
    assert "| **kept** |" in Path(summary["paths"]["funnel_md"]).read_text()
    for category in example.ANSWERABLE:
        assert summary["by_category"][category]["kept"] > 0, category
    assert ws.store.count("clean_tickets") == N


def test_internal_notes_quotes_and_signatures_are_gone(rows: dict, cleaned: tuple[Workspace, dict, dict]) -> None:
    ws = cleaned[0]
    raw = [json.loads(line) for line in (ws.root / "exports" / "zendesk_tickets.jsonl").open()]
    notes = [c["body"] for t in raw for c in t["comments"] if not c["public"] and len(c["body"]) > 25]
    assert notes
    text = "\n".join(m.body for t, _ in rows.values() for m in t.messages)
    for note in notes:
        assert note not in text
    assert not re.search(r"^On .{5,80} wrote:$", text, re.M)
    assert "-----Original Message-----" not in text
    assert "Senior Support Specialist" not in text and "Sent from my iPhone" not in text


def test_planted_pii_never_survives(rows: dict, truth: dict) -> None:
    leaks = []
    for ticket_id, (ticket, _) in rows.items():
        text = ticket.model_dump_json()
        leaks += [(ticket_id, kind, value) for kind, value in truth[ticket_id].pii if value in text]
    assert leaks == []


def test_allowlisted_brand_contacts_survive(rows: dict) -> None:
    text = "\n".join(m.body for t, _ in rows.values() for m in t.messages)
    assert example.SUPPORT_EMAIL in text and example.STORE_PHONE in text and example.SITE_URL in text
    assert f"Dear {example.BRAND}" in text  # the brand is never mistaken for a person's name


def test_escalations_are_labelled_and_kept(rows: dict, truth: dict) -> None:
    escalations = [tid for tid, t in truth.items() if t.kind == "escalation"]
    labelled = [tid for tid in escalations if rows[tid][0].escalation]
    assert len(labelled) == len(escalations)
    false_alarms = [tid for tid, t in truth.items() if t.kind != "escalation" and rows[tid][0].escalation]
    assert len(false_alarms) <= 0.02 * N
    kept = [tid for tid in escalations if rows[tid][1]["outcome"] == "kept"]
    dropped = {rows[tid][1]["reason"] for tid in escalations if rows[tid][1]["outcome"] == "dropped"}
    assert len(kept) >= 0.8 * len(escalations) and dropped <= {"duplicate", "near_duplicate", "empty"}


def test_non_answers_duplicates_and_low_csat_do_not_reach_training(rows: dict, truth: dict) -> None:
    for tid, t in truth.items():
        info = rows[tid][1]
        if t.kind != "answer":
            continue
        if "non_answer" in t.noise or "duplicate" in t.noise:
            assert info["outcome"] == "dropped", (tid, t.noise, info)
        if "low_csat" in t.noise and rows[tid][0].csat is not None:
            assert info["outcome"] == "dropped", (tid, info)
    dup_reasons = [rows[tid][1]["reason"] for tid, t in truth.items() if "duplicate" in t.noise]
    assert dup_reasons.count("duplicate") >= 0.5 * len(dup_reasons)


def test_redaction_review_written(cleaned: tuple[Workspace, dict, dict]) -> None:
    paths = cleaned[2]["paths"]
    html = Path(paths["review_html"]).read_text()
    assert "<table" in html and "&lt;NAME_1&gt;" in html
    assert Path(paths["review_csv"]).read_text().count("\n") > 10
