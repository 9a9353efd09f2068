"""Thread summaries as an evaluated task: the faithfulness check, the fallback to the extractive summary, the
example corpus's reference summaries (its tickets unchanged), /v1/summaries, and `tunedesk eval --task summaries`
end to end on a tiny workspace with the tiny random model."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tiny_data import tiny_overrides, tiny_workspace
from tunedesk.answer.backends.scripted import ScriptedBackend
from tunedesk.answer.faithfulness import check_summary, fit_min_support
from tunedesk.answer.summaries import served_summary
from tunedesk.example.generator import generate_tickets
from tunedesk.example.phrases import CLARIFY_ORDER
from tunedesk.records import Message, Role, Ticket
from tunedesk.workspace import Workspace

THREAD = [
    {"role": "user", "content": "Hello. My order TH-100234 arrived broken: the Basecamp 2 tent pole snapped on day "
                                "one. I want a replacement please."},
    {"role": "assistant", "content": "Sorry to hear that! Could you send a photo of the pole?"},
    {"role": "user", "content": "Photo attached. I need the replacement pole before my trip on Friday."},
]
FAITHFUL = ("Wants: a replacement pole for the Basecamp 2 tent of order TH-100234, before Friday.\n"
            "Tried: the agent asked for a photo of the pole and the customer sent it.\nPromised: none\n"
            "Open question: can the replacement pole arrive before Friday?")
INVENTED_NUMBER = "Wants: a replacement pole for order TH-100299."
INVENTED_PROMISE = "Promised: the agent will refund the tent and add a voucher."
TICKETS_SHA256 = "aa4abbb8ed61f1d5881ffecc3f688d644217feb6499eb9dbdbbd32cb5d16ff2a"
"""sha256 of exports/zendesk_tickets.jsonl of the 1,500-ticket example (seed 7), measured before the reference
summaries were added: every figure in the docs is measured on exactly these tickets."""


def texts(thread: list[dict[str, str]]) -> list[str]:
    return [m["content"] for m in thread]


def test_the_check_passes_supported_sentences_and_flags_an_invented_number_or_promise() -> None:
    checks = check_summary(FAITHFUL, texts(THREAD), 0.75)
    assert len(checks) == 4 and all(c.supported for c in checks), [c.as_dict() for c in checks]
    [number] = check_summary(INVENTED_NUMBER, texts(THREAD), 0.75)
    assert not number.supported and number.problems == ["number 100299 is not in the thread"]
    [promise] = check_summary(INVENTED_PROMISE, texts(THREAD), 0.75)
    assert not promise.supported
    assert "promise 'refund' is not in the thread" in promise.problems
    assert "promise 'voucher' is not in the thread" in promise.problems
    [name] = check_summary("Wants: the Kestrel backpack instead.", texts(THREAD), 0.75)
    assert not name.supported and "name 'Kestrel' is not in the thread" in name.problems


def test_the_word_support_threshold_is_fitted_between_the_two_groups() -> None:
    assert fit_min_support([1.0, 0.9, 0.85, 0.8], [0.2, 0.4, 0.5, 0.3]) == 0.55
    assert fit_min_support([1.0], []) == 0.7  # nothing to separate: the default


def test_a_supported_summary_is_served_and_an_unsupported_one_falls_back_to_extractive() -> None:
    served = served_summary(FAITHFUL, THREAD, 100, 0.75)
    assert served.method == "model" and not served.fallback and served.text == FAITHFUL
    fallback = served_summary(FAITHFUL + "\n" + INVENTED_PROMISE, THREAD, 100, 0.75)
    body = fallback.as_dict()
    assert body["method"] == "extractive" and body["fallback"] is True
    assert body["summary"].startswith("Customer: ") and "refund" not in body["summary"]
    assert [u["sentence"] for u in body["unsupported"]] == ["the agent will refund the tent and add a voucher."]
    assert body["model_summary"].endswith(INVENTED_PROMISE)
    failed = served_summary(None, THREAD, 100, 0.75, failure="BackendError")
    assert failed.method == "extractive" and failed.reason == "model failed: BackendError"


def test_the_example_tickets_are_unchanged_and_multi_turn_threads_have_references(tmp_path: Path) -> None:
    from tunedesk.example import write_example

    write_example(tmp_path)
    export = (tmp_path / "exports" / "zendesk_tickets.jsonl").read_bytes()
    assert hashlib.sha256(export).hexdigest() == TICKETS_SHA256
    references = {r["ticket_id"]: r for r in map(json.loads, (tmp_path / "references" / "summaries.jsonl")
                                                  .read_text(encoding="utf-8").splitlines())}
    tickets, _, truths = generate_tickets(300)
    multi = [t for t, truth in zip(tickets, truths, strict=True) if "multi_turn" in truth.noise]
    assert len(multi) > 20
    for ticket in multi:
        points = references[f"zendesk:{ticket['id']}"]
        assert points["want"] and points["promised"]
        assert points["tried"] or len([c for c in ticket["comments"] if c["public"]]) >= 3
    clarify = [references[f"zendesk:{t['id']}"] for t in multi
               if any(template in _first_agent(t) for template in CLARIFY_ORDER)]
    assert clarify and all("asked for the order number" in p["tried"] for p in clarify)


def _first_agent(ticket: dict) -> str:
    return next(c["body"] for c in ticket["comments"][1:] if c["public"])


def _ticket(ticket_id: str, category: str, bodies: list[str]) -> Ticket:
    roles = [Role.customer, Role.agent] * 3
    return Ticket(id=ticket_id, source="zendesk", external_id=ticket_id.split(":")[1], category=category,
                  messages=[Message(role=r, body=b) for r, b in zip(roles, bodies, strict=False)])


def _store_threads(ws: Workspace) -> None:
    """Held-out multi-turn threads (set aside by clean), training threads for the fit, and a duplicate."""
    ask, photo = THREAD[0]["content"], THREAD[1]["content"]
    tickets = {
        "zendesk:mt1": ("dropped", "multi_turn", _ticket("zendesk:mt1", "returns", [ask, photo, THREAD[2]["content"],
                                                                                    "We will ship a new pole."])),
        "zendesk:mt2": ("dropped", "multi_turn", _ticket("zendesk:mt2", "shipping", [
            "Is shipping free on the Ridgeline jacket?", "Standard shipping is free on orders over $75.",
            "Thanks. Do you ship to Canada?", "Yes, we ship to Canada in 5 to 8 business days."])),
        "zendesk:mt3": ("dropped", "duplicate", _ticket("zendesk:mt3", "returns", [ask, photo, "Sent."])),
        "zendesk:train0": ("kept", None, _ticket("zendesk:train0", "returns", [
            "Can I return boots after 3 weeks?", "Yes, returns are free within 30 days."])),
        "zendesk:train1": ("kept", None, _ticket("zendesk:train1", "shipping", [
            "Is shipping free?", "Standard shipping is free on orders over $75."])),
    }
    ws.store.upsert_tickets([t for _, _, t in tickets.values()])
    ws.store.replace_clean_results(
        {"id": key, "category": t.category, "outcome": outcome, "reason": reason, "detail": "", "escalation": None,
         "quality": 1.0, "source_hash": "x", "data": t.model_dump_json()}
        for key, (outcome, reason, t) in tickets.items())
    references = {
        "zendesk:mt1": {"want": "A replacement tent pole.", "tried": "The agent asked for a photo.",
                        "promised": "We will ship a new pole.", "open": ""},
        "zendesk:mt2": {"want": "Is shipping free on the Ridgeline jacket? Do you ship to Canada?",
                        "tried": "The agent already answered: shipping is free over $75.",
                        "promised": "Yes, we ship to Canada in 5 to 8 business days.", "open": ""},
        "zendesk:mt3": {"want": "A replacement tent pole.", "tried": "", "promised": "", "open": ""},
        "zendesk:train0": {"want": "Can I return boots after 3 weeks?", "tried": "",
                           "promised": "Yes, returns are free within 30 days.", "open": ""},
        "zendesk:train1": {"want": "Is shipping free?", "tried": "",
                           "promised": "Standard shipping is free on orders over $75.", "open": ""},
    }
    (ws.root / "references").mkdir(exist_ok=True)
    (ws.root / "references" / "summaries.jsonl").write_text(
        "".join(json.dumps({"ticket_id": k, **v}) + "\n" for k, v in references.items()), encoding="utf-8")


@pytest.mark.xdist_group("train")
def test_eval_task_summaries_runs_end_to_end_and_writes_both_columns(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path / "ws")
    _store_threads(ws)
    proc = subprocess.run([sys.executable, "-m", "tunedesk", "eval", "--task", "summaries", "-w", str(ws.root),
                           "--model", "base", *tiny_overrides("serve.summaries.max_new_tokens=16"), "--json"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout)
    assert summary["task"] == "summaries" and summary["threads"] == 2  # the duplicate and training threads left out
    assert summary["min_support"]["fitted_on"]["train_threads"] == 2
    written = json.loads(Path(summary["paths"]["json"]).read_text(encoding="utf-8"))
    assert Path(summary["paths"]["json"]).parent == ws.root / "reports" / "eval" / "summaries"
    assert [r["ticket_id"] for r in written["rows"]] == ["zendesk:mt1", "zendesk:mt2"]
    columns = written["columns"]
    assert set(columns) == {"model", "model_raw", "extractive"}
    assert columns["extractive"]["unsupported_sentences"]["share"] == 0.0  # the thread's own words
    assert columns["extractive"]["coverage"]["mean"] > 0.3
    assert all(set(row["reference"]) == {"want", "tried", "promised", "open"} for row in written["rows"])
    assert {point for row in written["rows"] for point in row["extractive"]["coverage"]} == {
        "want", "tried", "promised"}  # the empty "open" is not scored, the ticket id is not a point
    for row in written["rows"]:  # the random model's text never passes: the served summary is the extractive one
        assert row["model"]["fallback"] is True and row["model"]["text"] == row["extractive"]["text"]
    assert columns["model"]["fallback"]["share"] == 1.0


@pytest.fixture
def served_ws(tmp_path: Path) -> Workspace:
    from tunedesk.scaffold import init_workspace

    init_workspace(tmp_path / "ws", example=False)
    return Workspace.open(tmp_path / "ws")


def _client(ws: Workspace, reply: str, *overrides: tuple[str, object]) -> tuple[TestClient, ScriptedBackend]:
    from tunedesk.answer.setup import build_responder
    from tunedesk.serve.app import ServerSettings, create_app

    for key, value in overrides:
        setattr(ws.config.serve.summaries, key, value)
    backend = ScriptedBackend([reply])
    responder = build_responder(ws, backend=backend, version="run-test")
    return TestClient(create_app(ServerSettings(ws.config.serve, responder))), backend


def test_v1_summaries_serves_the_model_summary_or_the_extractive_fallback(served_ws: Workspace) -> None:
    c, backend = _client(served_ws, FAITHFUL)
    body = c.post("/v1/summaries", json={"messages": THREAD}).json()
    assert body == {"summary": FAITHFUL, "words": len(FAITHFUL.split()), "method": "model", "fallback": False}
    assert "handover note" in backend.requests[-1].messages[0]["content"]
    c, _ = _client(served_ws, INVENTED_NUMBER)
    body = c.post("/v1/summaries", json={"messages": THREAD, "max_words": 40}).json()
    assert body["method"] == "extractive" and body["fallback"] is True and 0 < body["words"] <= 40
    assert body["unsupported"][0]["problems"] == ["number 100299 is not in the thread"]
    c, backend = _client(served_ws, FAITHFUL, ("mode", "extractive"))
    body = c.post("/v1/summaries", json={"messages": THREAD}).json()
    assert body["method"] == "extractive" and body["fallback"] is False and not backend.requests
