"""`tunedesk drift`: recent tickets the run never saw against its training file — the verdict a user gets, the
signals behind it, reports/drift.json and the command. Small workspaces, a fake run, no training."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tunedesk.cli.main import app
from tunedesk.learn import drift as drift_module
from tunedesk.learn.drift import DriftError, check_drift, count_new_edits
from tunedesk.records import Message, Role, Ticket
from tunedesk.scaffold import init_workspace
from tunedesk.store.replies import ReplyLog
from tunedesk.store.runs import RunError, new_run
from tunedesk.train.data import sha256_of
from tunedesk.workspace import Workspace

ITEMS = ["boots", "jacket", "backpack", "tent"]
RECENT_ITEMS = ["boots", "jacket", "sleeping bag"]
TEMPLATES = {
    "returns": ["Can I return my {item}? I bought it three weeks ago and it doesn't fit.",
                "How do I send back the {item} I ordered? It's the wrong size.",
                "I'd like a refund for the {item}, it arrived unused and still in the box.",
                "What is your return policy for a {item} bought online?",
                "Is it possible to exchange my {item} for a bigger size?"],
    "shipping": ["Where is my order? I ordered a {item} ten days ago and it still hasn't arrived.",
                 "How long does delivery of a {item} take to Canada?",
                 "Is shipping free if I order a {item}?",
                 "My tracking number for the {item} hasn't updated in a week.",
                 "Can I change the delivery address for my {item} order?"],
    "billing": ["I was charged twice for my {item} order, please fix it.",
                "Can I pay for the {item} with PayPal?",
                "My card was declined when buying a {item}, why?",
                "I need an invoice for the {item} I bought last month.",
                "The discount code didn't apply to my {item}, can you refund the difference?"],
}
EVENTS = ["Are you holding a trail running meetup at the {item} store this Saturday evening?",
          "How do I sign up for the map and compass navigation class in {item}?",
          "Is the climbing wall at your {item} location open to kids on weekends?",
          "Do you need volunteers for the river clean-up day near {item}?"]
CITIES = ["Denver", "Boulder", "Portland", "Seattle", "Austin", "Tucson", "Reno", "Boise", "Missoula", "Bend"]
SYSTEM = "You are the support assistant of Trailhead Outfitters."
NEWEST = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _training_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for category, templates in TEMPLATES.items():
        for template in templates:
            for item in ITEMS:
                i = len(rows)
                rows.append({"id": f"ex{i}", "ticket_id": f"zendesk:t{i}", "category": category, "kind": "answer",
                             "split": "train", "messages": [
                                 {"role": "system", "content": SYSTEM},
                                 {"role": "user", "content": template.format(item=item)},
                                 {"role": "assistant", "content": "Happy to help with that."}]})
    return rows


def _ticket(tid: str, category: str | None, text: str, created: datetime | None) -> Ticket:
    return Ticket(id=f"zendesk:{tid}", source="zendesk", external_id=tid, category=category, created_at=created,
                  messages=[Message(role=Role.customer, body=text),
                            Message(role=Role.agent, body="Thanks for writing, we are on it.")])


def same_mix(n: int) -> list[Ticket]:
    """Recent tickets of the training categories in other words, partly about other items, one hour apart."""
    pairs = [(c, "Hello! " + t.format(item=item)) for item in RECENT_ITEMS for c, ts in TEMPLATES.items() for t in ts]
    return [_ticket(f"r{i}", c, text, NEWEST - timedelta(hours=i)) for i, (c, text) in enumerate(pairs[:n])]


def events_only(n: int) -> list[Ticket]:
    """Recent tickets of a category the run never saw: in-store events."""
    texts = [t.format(item=city) for city in CITIES for t in EVENTS]
    return [_ticket(f"e{i}", "events", texts[i], NEWEST - timedelta(hours=i)) for i in range(n)]


def make_workspace(root: Path, recent: list[Ticket], overrides: Sequence[str] = (),
                   policies_record: bool = True) -> Workspace:
    """A workspace with a 60-row training file, a run on it, a held-out file, and its tickets in the store.

    The trained and held-out tickets are the newest in the store: they must never count as recent.
    """
    init_workspace(root)
    ws = Workspace.open(root, list(overrides))
    data = ws.output_dir("data")
    rows = _training_rows()
    train = data / "train.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    holdout = [{**rows[0], "id": f"h{i}", "ticket_id": f"zendesk:h{i}", "split": "holdout"} for i in range(5)]
    (data / "holdout.jsonl").write_text("".join(json.dumps(r) + "\n" for r in holdout), encoding="utf-8")
    record: dict = {"data": {"train": {"path": str(train), "sha256": sha256_of(train)}}}
    if policies_record:
        record["policies"] = {"version": ws.policies().version, "sha256": sha256_of(root / "policies.yaml")}
    new_run(ws.root, "lora", record)
    seen = [_ticket(f"t{i}", r["category"], r["messages"][1]["content"], NEWEST + timedelta(days=1))
            for i, r in enumerate(rows)]
    seen += [_ticket(f"h{i}", "warranty", "My tent pole snapped, is that covered?", NEWEST + timedelta(days=2))
             for i in range(5)]
    # unseen, but months older than the newest unseen ticket: outside the 30-day window
    old = [_ticket(f"old{i}", "events", f"Old question number {i} about a store event.", NEWEST - timedelta(days=90))
           for i in range(5)]
    ws.store.upsert_tickets(seen + old + recent)
    return ws


def hashed_embedder() -> Callable[[list[str]], list[list[float]]]:
    """A stand-in for MiniLM (bag of words hashed into 64 dimensions), for tests not about embeddings."""
    def embed(texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            v = [0.0] * 64
            for word in text.lower().split():
                v[sum(map(ord, word)) % 64] += 1.0
            out.append(v)
        return out
    return embed


@pytest.fixture
def fake_minilm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drift_module, "minilm_embedder", hashed_embedder)


def test_same_mix_of_recent_tickets_is_ok_with_minilm(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", same_mix(45))
    summary = check_drift(ws)
    signals = {s.name: s for s in summary.signals}
    assert summary.recent_tickets == 45  # the trained, held-out and out-of-window tickets are left out
    assert summary.training_examples == 60
    assert summary.verdict == "ok", summary.as_dict()
    assert summary.reasons == []
    assert signals["category_shift"].value == 0.0 and signals["category_shift"].detail == "same mix"
    shift = signals["embedding_shift"].value
    assert isinstance(shift, float), shift
    assert 0 <= shift < ws.config.drift.max_embedding_shift
    assert signals["far_share"].value == 0.0
    assert not any(s.triggered for s in summary.signals)


def test_a_category_absent_from_training_says_retrain(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", events_only(36))
    summary = check_drift(ws)
    signals = {s.name: s for s in summary.signals}
    assert summary.verdict == "retrain"
    assert signals["category_shift"].triggered and signals["category_shift"].value == 1.0
    assert "events 0% → 100%" in signals["category_shift"].detail
    far = signals["far_share"].value
    assert isinstance(far, float), far
    assert signals["far_share"].triggered and far > 0.5, signals["far_share"].detail
    named = signals["far_share"].detail.split("e.g. ")[1].split(", ")
    assert 1 <= len(named) <= 3 and all(n.startswith("zendesk:e") for n in named)
    assert "meetup" not in signals["far_share"].detail and "Denver" not in signals["far_share"].detail
    assert any(r.startswith("category_shift") for r in summary.reasons)
    assert any(r.startswith("far_share") for r in summary.reasons)
    assert not signals["policies_changed"].triggered


def test_policies_edited_after_the_run_say_retrain_even_with_few_tickets(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", same_mix(5))
    policies = ws.root / "policies.yaml"
    policies.write_text(policies.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"'),
                        encoding="utf-8")
    summary = check_drift(ws)
    changed = summary.signal("policies_changed")
    assert changed.triggered and changed.value == "changed"
    assert "1 → 2" in changed.detail
    assert summary.verdict == "retrain"
    assert summary.reasons == ["policies changed: version 1 → 2"]
    assert summary.signal("category_shift").value is None  # too few tickets: not judged


def test_policy_change_ignored_when_configured_off(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", same_mix(5), ["drift.retrain_on_policy_change=false"])
    policies = ws.root / "policies.yaml"
    policies.write_text(policies.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    summary = check_drift(ws)
    changed = summary.signal("policies_changed")
    assert changed.value == "changed" and not changed.triggered
    assert "label unchanged" in changed.detail
    assert summary.verdict == "not_enough_data"


def test_an_older_run_compares_with_the_dataset_card_or_says_unknown(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", same_mix(5), policies_record=False)
    assert check_drift(ws).signal("policies_changed").value == "unknown"
    (ws.root / "data" / "card.json").write_text(json.dumps({"policy_version": "0"}), encoding="utf-8")
    summary = check_drift(ws)
    assert summary.signal("policies_changed").triggered
    assert summary.signal("policies_changed").detail == "version 0 (data/card.json) → 1"


def test_too_few_recent_tickets_is_not_enough_data(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", events_only(10))
    summary = check_drift(ws)
    assert summary.verdict == "not_enough_data"
    assert summary.recent_tickets == 10
    assert "fewer than drift.min_tickets=30" in summary.reasons[0]
    for name in ("category_shift", "embedding_shift", "far_share"):
        assert summary.signal(name).value is None and not summary.signal(name).triggered


def test_trained_and_held_out_tickets_never_count_as_recent(tmp_path: Path, fake_minilm: None) -> None:
    ws = make_workspace(tmp_path / "ws", same_mix(3), ["drift.min_tickets=1"])
    summary = check_drift(ws)
    # the 65 trained/held-out tickets are the newest, so counting them would also move the window past the 3 recent
    assert summary.recent_tickets == 3
    assert summary.window == "2026-02-08 → 2026-03-10"
    given = check_drift(ws, recent=events_only(4))
    assert given.recent_tickets == 4 and given.window == "given"


def test_since_widens_the_window_and_skips_undated_tickets(tmp_path: Path, fake_minilm: None) -> None:
    ws = make_workspace(tmp_path / "ws", [*same_mix(30), _ticket("undated", "returns", "Can I return it?", None)])
    assert check_drift(ws).recent_tickets == 31  # undated counts without --since
    summary = check_drift(ws, since=datetime(2025, 12, 1))
    assert summary.recent_tickets == 35  # + the 5 old ones, - the undated one
    assert summary.window == "since 2025-12-01 00:00"


def test_without_minilm_the_embedding_checks_are_skipped_and_the_rest_run(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drift_module, "minilm_embedder", lambda: None)
    ws = make_workspace(tmp_path / "ws", events_only(32))
    summary = check_drift(ws)
    assert summary.verdict == "retrain"
    assert [s.name for s in summary.signals if s.triggered] == ["category_shift"]
    for name in ("embedding_shift", "far_share"):
        assert summary.signal(name).value is None and "MiniLM is not installed" in summary.signal(name).detail


def test_json_keys_and_the_report_file(tmp_path: Path, fake_minilm: None) -> None:
    ws = make_workspace(tmp_path / "ws", same_mix(30))
    summary = check_drift(ws)
    data = summary.as_dict()
    assert {"verdict", "run", "recent_tickets", "training_examples", "signals", "reasons"} <= set(data)
    assert [s["name"] for s in data["signals"]] == ["category_shift", "embedding_shift", "far_share",
                                                    "policies_changed", "new_edits"]
    assert all(set(s) == {"name", "value", "threshold", "triggered", "detail"} for s in data["signals"])
    edits = data["signals"][-1]
    assert edits["value"] == 0 and edits["threshold"] == 50 and "agent edits" in edits["detail"]
    assert count_new_edits(ws, None) == 0
    log = ReplyLog(ws.store)
    for i in range(3):
        log.record({"id": f"r{i}", "ticket_id": f"t{i}", "mode": "approve", "decision": "needs_approval",
                    "in_rollout": True, "thread": [], "reply": "draft", "status": "pending"})
        log.review(f"r{i}", "edit" if i else "approve", text="edited" if i else None)
    assert count_new_edits(ws, None) == 2
    assert count_new_edits(ws, datetime.now(UTC) + timedelta(days=1)) == 0
    written = json.loads((ws.root / "reports" / "drift.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(data, default=str))


def test_a_run_whose_training_file_is_gone_is_a_clear_error(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", same_mix(3))
    (ws.root / "data" / "train.jsonl").unlink()
    with pytest.raises(DriftError, match=r"training file .*no such file"):
        check_drift(ws)


def test_a_training_file_rebuilt_since_the_run_is_noted(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", same_mix(3))
    train = ws.root / "data" / "train.jsonl"
    lines = train.read_text(encoding="utf-8").splitlines(keepends=True)
    train.write_text("".join(lines[:-1]) + "{not json\n", encoding="utf-8")
    summary = check_drift(ws)
    assert summary.training_examples == 59
    assert any("1 unreadable rows of train.jsonl" in n for n in summary.notes)
    assert any("changed since run" in n for n in summary.notes)


def test_cli_prints_the_verdict_and_json_and_exits_0(tmp_path: Path, fake_minilm: None) -> None:
    ws = make_workspace(tmp_path / "ws", events_only(31))
    runner = CliRunner()
    table = runner.invoke(app, ["drift", "-w", str(ws.root)])
    assert table.exit_code == 0, table.output
    assert "category_shift" in table.output and "verdict: retrain" in table.output
    as_json = runner.invoke(app, ["drift", "-w", str(ws.root), "--json", "--since", "2026-03-01"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["verdict"] == "retrain" and data["recent_tickets"] == 31
    assert data["reasons"][0].startswith("category_shift")


def test_cli_errors_are_clear(tmp_path: Path) -> None:
    init_workspace(tmp_path / "empty")
    runner = CliRunner()
    no_run = runner.invoke(app, ["drift", "-w", str(tmp_path / "empty")])
    assert isinstance(no_run.exception, RunError) and "no runs yet" in str(no_run.exception)
    bad_date = runner.invoke(app, ["drift", "-w", str(tmp_path / "empty"), "--since", "last week"])
    assert "expected an ISO date" in str(bad_date.exception)
