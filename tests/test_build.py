"""The build stage: examples from tickets, policy contradictions, written targets, leakage-free splits, formats."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tunedesk import example as demo
from tunedesk.build import stage
from tunedesk.build.augment import augment
from tunedesk.build.examples import ExampleBuilder
from tunedesk.build.splits import Unit, assign_splits
from tunedesk.checks.contradictions import PolicyChecker
from tunedesk.checks.marker import strip_marker
from tunedesk.clean import stage as clean_stage
from tunedesk.config import DatasetConfig
from tunedesk.config.policies import Policies
from tunedesk.ingest import stage as ingest
from tunedesk.prompt.system import SystemPrompt
from tunedesk.records import Message, Role, Ticket
from tunedesk.scaffold import init_workspace
from tunedesk.trainfile.rows import FORMATS, to_row
from tunedesk.workspace import Workspace

POLICIES = Policies.model_validate({
    "brand": "Acme Outdoors", "version": "v7",
    "voice": {"greeting": "Hi {name},", "sign_off": "Cheers,\nAcme", "refusal": "I can only help with Acme orders."},
    "facts": {"return_window_days": {"value": 30, "kind": "number", "unit": "days", "topic": "returns",
                                     "text": "Items can be returned within 30 days.",
                                     "patterns": [r"(\d+)[- ]day return", r"within (\d+) days"]},
              "free_shipping": {"value": 75, "kind": "money", "topic": "shipping", "text": "Shipping is free over $75.",
                                "patterns": [r"over \$(\d+)"]}},
})


def ticket(tid: str, *bodies: tuple[Role, str], category: str | None = "returns",
           escalation: str | None = None) -> Ticket:
    return Ticket(id=f"zendesk:{tid}", source="zendesk", external_id=tid, category=category, escalation=escalation,
                  messages=[Message(role=r, body=b) for r, b in bodies])


def builder(**overrides: object) -> ExampleBuilder:
    config = DatasetConfig(**overrides)
    return ExampleBuilder(config, POLICIES, SystemPrompt.from_file(POLICIES, None, config.policy_facts))


C, A, N = Role.customer, Role.agent, Role.note


def test_one_exchange_becomes_system_user_assistant() -> None:
    built = builder().build(ticket("1", (C, "How long to return boots?"), (N, "internal: vip"),
                                   (A, "Hi <NAME_1>,\n\nYou have 30 days.")))
    (e,) = built.examples
    assert [t.role for t in e.messages] == ["system", "user", "assistant"]
    assert "Items can be returned within 30 days." in e.messages[0].content and "version v7" in e.messages[0].content
    assert "internal" not in json.dumps(e.model_dump())
    assert e.target.startswith("Hi there,") and e.target.endswith("Cheers,\nAcme")  # ungrounded name replaced


def test_multi_turn_final_and_each_turn() -> None:
    thread = ticket("2", (A, "Outbound survey"), (C, "Can I return a tent?"), (C, "It is unused."),
                    (A, "Which order?"), (C, "Order <ORDER_1>"), (A, "Hi <NAME_1>, yes, within 30 days."))
    (final,) = builder().build(thread).examples
    assert [t.role for t in final.messages] == ["system", "user", "assistant", "user", "assistant"]
    assert final.messages[1].content == "Can I return a tent?\n\nIt is unused."  # merged; outbound dropped
    each = builder(multi_turn="each_turn").build(thread).examples
    assert [len(e.messages) for e in each] == [3, 5] and each[0].target.startswith("Which order?")


def test_contradicting_answer_is_dropped_or_flagged() -> None:
    stale = ticket("3", (C, "Return window?"), (A, "You can send it back within 14 days."))
    dropped = builder().build(stale)
    assert dropped.examples == [] and dropped.dropped == "contradicts_policy"
    assert [(c.fact, c.claimed, c.current) for c in dropped.contradictions] == [("return_window_days", "14", "30")]
    flagged = builder(contradictions="flag").build(stale).examples[0]
    assert flagged.metadata["contradicts_policy"] == ["return_window_days: says 14, policy 30"]
    assert builder().build(ticket("4", (C, "Return window?"), (A, "Within 30 days."))).dropped is None


def test_policy_checker_kinds() -> None:
    checker = PolicyChecker(POLICIES)
    assert [c.fact for c in checker.contradictions("Free shipping over $50, a 30-day return window.")] == [
        "free_shipping"]
    assert checker.contradictions("Free over $75.00 and returns within 30 days") == []


def test_a_reply_that_says_support_never_closes_contradicts_set_hours() -> None:
    """An hours fact is contradicted in words no pattern captures ("24/7"); a fact without set hours is not."""
    hours = {"value": "Monday to Friday, 9 am to 6 pm", "kind": "text", "topic": "contact",
             "text": "Customer support is open Monday to Friday, 9 am to 6 pm."}
    limited = PolicyChecker(POLICIES.model_copy(update={"facts": {"support_hours": POLICIES.facts["free_shipping"]
                                                                   .model_copy(update=hours)}}))
    stale = "If you need more help, reach out to our support team. They are available 24/7 by phone."
    assert [(c.fact, c.claimed) for c in limited.contradictions(stale)] == [("support_hours", "24/7")]
    assert limited.contradictions("As a valued customer you can shop on our website 24/7.") == []
    always = hours | {"value": "24/7", "text": "Customer support is open 24/7."}
    open_all_day = PolicyChecker(POLICIES.model_copy(update={"facts": {"support_hours": POLICIES.facts[
        "free_shipping"].model_copy(update=always)}}))
    assert open_all_day.contradictions(stale) == []


def test_escalation_target_hands_over_with_the_marker() -> None:
    built = builder().build(ticket("5", (C, "I will file a chargeback, <NAME_1> here"), (A, "Hi <NAME_1>, passed on."),
                                   category="billing", escalation="chargeback"))
    (e,) = built.examples
    text, reason = strip_marker(e.target)
    assert e.kind == "escalation" and reason == "chargeback" and e.metadata["escalation"] == "chargeback"
    assert "our billing team" in text and text.startswith("Hi <NAME_1>,") and e.target.endswith("]]")
    tagged = builder().build(ticket("6", (C, "Delete my data"), category="gdpr_deletion", escalation="tagged"))
    assert strip_marker(tagged.examples[0].target)[1] == "gdpr_deletion"  # the category names a bare tag


def test_refusal_and_cannot_know_targets() -> None:
    refusal = builder().build(ticket("7", (C, "Who wins the game tonight?"), (A, "No idea!"), category="off_topic"))
    assert refusal.examples[0].kind == "refusal" and "I can only help with Acme orders." in refusal.examples[0].target
    live = builder().build(ticket("8", (C, "Where is order <ORDER_1>?"), (A, "Shipped, tracking 1Z999."),
                                  category="order_status"))
    e = live.examples[0]
    assert e.kind == "cannot_know" and e.metadata["cannot_know"] == "order_status"
    assert "can't see live order" in e.target and "1Z999" not in e.target


def test_planted_near_duplicates_never_straddle_two_splits() -> None:
    units = [Unit(f"t{i}", ("returns", "answer"), f"question {i} about item {i * 7} and colour {i * 3}")
             for i in range(200)]
    near_a = "how long do i have to return my ridgeline rain jacket, it is unused and still has the tags on"
    near_b = "How long do I have to return my Ridgeline rain jacket? It is still unused and has the tags on."
    units += [Unit("dup-a", ("returns", "answer"), near_a), Unit("dup-b", ("returns", "answer"), near_b)]
    for seed in range(30):
        split, stats = assign_splits(units, DatasetConfig(seed=seed, holdout=0.3, holdout_max_fraction=0.5))
        assert split["dup-a"] == split["dup-b"]
    assert stats["tickets_in_shared_clusters"] >= 2


def test_an_outsized_cluster_of_near_duplicates_stays_in_training() -> None:
    # Bitext's shape: 60 rewordings of one "track my refund" question are one cluster; the stratum's held-out and
    # validation quotas are a few tickets, and the cluster used to fill one of them by itself
    same = "i want to track my refund for order number {} please"
    units = [Unit(f"dup{i}", ("track_refund", "answer"), same.format(1000 + i)) for i in range(60)]
    units += [Unit(f"t{i}", (f"cat{i % 4}" if i % 5 else "track_refund", "answer"),
                   f"unique question {i} about parcel {i * 7} in colour {i * 3}") for i in range(400)]
    for seed in range(10):
        split, _ = assign_splits(units, DatasetConfig(seed=seed, holdout=0.1, validation=0.05))
        assert {split[f"dup{i}"] for i in range(60)} == {"train"}, seed
        for name in ("holdout", "val"):
            sizes = Counter(u.stratum[0] for u in units if split[u.ticket_id] == name)
            assert 0 < sizes["track_refund"] <= 2 * sizes["cat1"] + 2, (seed, name, sizes)


def test_splits_are_deterministic_stratified_and_sized() -> None:
    units = [Unit(f"t{i}", (f"cat{i % 5}", "answer"), f"unique text number {i} " * 3) for i in range(500)]
    first, _ = assign_splits(units, DatasetConfig(seed=1))
    assert first == assign_splits(units, DatasetConfig(seed=1))[0] != assign_splits(units, DatasetConfig(seed=2))[0]
    held = [u for u in units if first[u.ticket_id] == "holdout"]
    assert len(held) == 100  # 200 requested, capped at 20 % of 500
    assert {u.stratum[0] for u in held} == {f"cat{i}" for i in range(5)}
    assert 15 <= sum(1 for u in units if first[u.ticket_id] == "val") <= 25


def test_every_format_keeps_the_identifying_keys() -> None:
    (e,) = builder().build(ticket("9", (C, "Return window?"), (A, "Within 30 days."))).examples
    e = e.model_copy(update={"split": "train"})
    for fmt in FORMATS:
        row = to_row(e, fmt)
        assert {row["id"], row["ticket_id"], row["kind"], row["split"], row["category"]} == {
            "zendesk:9#1", "zendesk:9", "answer", "train", "returns"}
    assert to_row(e, "prompt_completion")["prompt"].endswith("\n\n###\n\n")
    assert to_row(e, "sharegpt")["conversations"][-1]["from"] == "gpt"


def test_augmentation_rewords_the_customer_only() -> None:
    (e,) = builder().build(ticket("10", (C, "Hi,\n\nI do not know how to return my tent. Thanks!"),
                                  (A, "Within 30 days."))).examples
    copies = augment(e, 2, seed=3)
    assert copies and all(c.id.startswith(e.id + "~aug") for c in copies)
    for c in copies:
        assert c.messages[0] == e.messages[0] and c.target == e.target and c.customer_text != e.customer_text
    assert augment(e, 2, seed=3) == copies


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict]:
    root = tmp_path_factory.mktemp("build") / "ws"
    init_workspace(root, example=True, example_tickets=400)
    ws = Workspace.open(root, ["dataset.augment.enabled=true"])
    ingest.run(ws)
    clean_stage.run(ws)
    return ws, stage.run(ws).as_dict()


def test_example_workspace_builds_every_category_into_the_holdout(built: tuple[Workspace, dict]) -> None:
    ws, summary = built
    card = json.loads(Path(summary["paths"]["card_json"]).read_text())
    assert summary["missing_from_holdout"] == []
    assert set(card["counts"]["by_category"]["holdout"]) >= set(demo.ANSWERABLE)
    assert card["tokens"]["train"]["tokens"] > 0 and card["policy_version"] == ws.policies().version
    for split in ("train", "val", "holdout"):
        rows = [json.loads(x) for x in Path(summary["paths"][split]).read_text().splitlines()]
        assert len(rows) == card["counts"]["examples"][split] and all(r["split"] == split for r in rows)
    held = {json.loads(x)["ticket_id"] for x in Path(summary["paths"]["holdout"]).read_text().splitlines()}
    trained = {json.loads(x)["ticket_id"] for x in Path(summary["paths"]["train"]).read_text().splitlines()}
    assert held and not held & trained
    assert summary["augmented"] > 0 and "~aug" not in Path(summary["paths"]["holdout"]).read_text()


def test_the_example_is_not_a_lookup_table(built: tuple[Workspace, dict]) -> None:
    # agents write for the ticket in front of them: few held-out replies have a near-twin among training replies
    _, summary = built
    twins = json.loads(Path(summary["paths"]["card_json"]).read_text())["near_twins"]
    assert twins["held_out"] > 0 and twins["share"] <= 0.4
    assert twins["by_kind"]["answer"]["share"] <= 0.3
    assert "near-twin" in Path(summary["paths"]["card_md"]).read_text()


def test_near_twins_are_counted_exactly() -> None:
    from tunedesk.build.twins import near_twins

    reply = "Hi there,\n\nYou have 30 days from delivery to return unused items in their original condition."
    found = near_twins([("answer", reply), ("answer", reply.replace("30 days", "thirty days, gladly")),
                        ("refusal", "I can only help with questions about our store.")],
                       [reply.upper(), "Something else entirely about shipping and the weather today."])
    assert found["share"] == pytest.approx(1 / 3, abs=1e-4)
    assert found["by_kind"] == {"answer": {"n": 2, "share": 0.5}, "refusal": {"n": 1, "share": 0.0}}


def test_written_targets_open_with_the_agents_plain_acknowledgement() -> None:
    from tunedesk.build.targets import agent_opening

    assert agent_opening("Hi <NAME_1>,\n\nI'm sorry about the trouble with the Kestrel 22L daypack. I've passed "
                         "it on.") == "I'm sorry about the trouble with the Kestrel 22L daypack."
    for reply in ("Hi there,\n\nWe'll refund the full $89 today. Thanks!", "Hi,\n\nI've passed this to our team.",
                  "Hello,\n\nYour order <ORDER_1> is on its way.", "Hi,\n\nI'll send a new one within 3 days.", None):
        assert agent_opening(reply) is None, reply
    built = builder().build(ticket("9", (C, "I will file a chargeback"), (A, "Hi there, I'm sorry it came to this. "
                                                                             "Passing it on."),
                                   category="billing", escalation="chargeback"))
    assert "I'm sorry it came to this. " in built.examples[0].target


def test_outdated_answers_of_the_example_are_caught(built: tuple[Workspace, dict]) -> None:
    ws, summary = built
    _, _, truths = demo.generate_tickets(400, 7)
    kept = {t.id for t, _ in ws.store.iter_clean("kept")}
    outdated = {f"zendesk:{t.external_id}" for t in truths if "outdated_policy" in t.noise} & kept
    card = json.loads(Path(summary["paths"]["card_json"]).read_text())
    flagged = {c["ticket_id"] for c in card["contradictions"]}
    assert outdated and outdated <= flagged


def test_a_policy_change_changes_the_system_prompt_without_retraining(built: tuple[Workspace, dict]) -> None:
    ws, _ = built
    text = (ws.root / "policies.yaml").read_text().replace("within 30 days of delivery.", "within 45 days of delivery.")
    policies = Policies.model_validate(__import__("yaml").safe_load(text))
    prompt = SystemPrompt.from_file(policies, ws.root / "prompts" / "system.md.j2")
    assert "within 45 days" in prompt.render("How long do I have to return my boots?")


def test_bitext_imports_with_a_column_mapping_builds_and_validates_clean(shared_data: Path, tmp_path: Path) -> None:
    """Real data nobody here wrote: the Bitext CSV through the csv importer, clean, build, validate."""
    from tunedesk.validate import run as validate

    csv_path = shared_data / "bitext_customer_support" / "bitext_customer_support_2023-08_shared.csv"
    root = tmp_path / "bitext"
    init_workspace(root)
    ws = Workspace.open(root)
    mapping = {"columns": {"customer": "instruction", "agent": "response", "category": "intent"}}
    ingested = ingest.run(ws, [csv_path], "csv", mapping)
    assert ingested.tickets.new == 4061 and ingested.quarantined == 0
    assert clean_stage.run(ws).kept > 3900
    summary = stage.run(ws).as_dict()
    assert summary["missing_from_holdout"] == [] and 180 <= summary["examples"]["holdout"] <= 240
    for split in ("train", "holdout"):
        report = validate(Path(summary["paths"][split]), workspace=ws)
        assert report.errors == [], report.errors[:3]
