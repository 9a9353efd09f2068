"""The example corpus behind `tunedesk init DIR --example`: reproducible, consistent, realistically noisy."""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from tunedesk.config.policies import Fact, Policies, load_policies
from tunedesk.example import (
    ANSWERABLE,
    BRAND,
    CATEGORY_FIELD_ID,
    ESCALATION,
    OFF_TOPIC,
    SITE_URL,
    STORE_ADDRESS,
    STORE_PHONE,
    SUPPORT_EMAIL,
    TicketTruth,
    generate_tickets,
    kb_articles,
    policies_yaml,
    write_example,
    write_zendesk_export,
)
from tunedesk.example.brand import CURRENT_FACTS, ESCALATION_TEAMS, POLICY_CHANGE
from tunedesk.example.intents import BY_CATEGORY
from tunedesk.example.people import luhn_valid

NOISE_KINDS = {
    "pii", "signature", "quoted", "note", "duplicate", "near_duplicate", "low_csat", "non_answer",
    "outdated_policy", "multi_turn", "typo", "long_answer", "html",
}
TICKET_FIELDS = {
    "id", "url", "external_id", "via", "created_at", "updated_at", "type", "subject", "raw_subject", "description",
    "priority", "status", "requester_id", "submitter_id", "assignee_id", "group_id", "tags", "custom_fields",
    "satisfaction_rating", "is_public", "comments",
}
COMMENT_FIELDS = {"id", "type", "body", "html_body", "plain_body", "public", "author_id", "attachments", "created_at"}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
Corpus = tuple[list[dict[str, Any]], list[dict[str, Any]], list[TicketTruth]]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    """The default corpus: 1,500 tickets, seed 7."""
    return generate_tickets()


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> Policies:
    """The shipped policies.yaml, loaded the way a workspace loads it."""
    path = tmp_path_factory.mktemp("policies") / "policies.yaml"
    path.write_text(policies_yaml(), encoding="utf-8")
    return load_policies(path)


def public(ticket: dict[str, Any]) -> list[dict[str, Any]]:
    """The comments a customer can see."""
    return [c for c in ticket["comments"] if c["public"]]


def agent_replies(ticket: dict[str, Any]) -> list[str]:
    """Bodies of the public comments not written by the requester."""
    return [c["body"] for c in public(ticket) if c["author_id"] != ticket["requester_id"]]


def claims(fact: Fact, text: str) -> list[str]:
    """Every value a fact's patterns capture in a text."""
    return [m.group(1) for p in fact.patterns for m in re.finditer(p, text, re.IGNORECASE)]


def agrees(fact: Fact, claimed: str) -> bool:
    """Does a claimed value state the fact's current value?"""
    if fact.kind in ("number", "money"):
        return float(claimed) == float(fact.value)
    return squashed(claimed) == squashed(fact.value)


def squashed(value: object) -> str:
    """Lower case, no spaces, plain hyphens: "8 am–6 pm" and "8am-6pm" compare equal."""
    return re.sub(r"\s+", "", str(value).lower().replace("–", "-"))


# --- determinism and files -------------------------------------------------------------------------------


def test_same_seed_writes_identical_files_and_reruns_overwrite_identically(tmp_path: Path) -> None:
    first = write_example(tmp_path / "a", n_tickets=300, seed=3)
    second = write_example(tmp_path / "b", n_tickets=300, seed=3)
    contents = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in first.paths}
    assert contents == {p.relative_to(tmp_path / "b"): p.read_bytes() for p in second.paths}
    again = write_example(tmp_path / "a", n_tickets=300, seed=3)
    assert {p.relative_to(tmp_path / "a"): p.read_bytes() for p in again.paths} == contents


def test_different_seeds_give_different_tickets() -> None:
    tickets_a, _, truths_a = generate_tickets(200, seed=1)
    tickets_b, _, truths_b = generate_tickets(200, seed=2)
    assert [t["description"] for t in tickets_a] != [t["description"] for t in tickets_b]
    assert [t.intent for t in truths_a] != [t.intent for t in truths_b]


def test_write_example_lays_out_the_workspace(tmp_path: Path) -> None:
    summary = write_example(tmp_path, n_tickets=300)
    assert (tmp_path / "policies.yaml").is_file()
    assert len(list((tmp_path / "kb").glob("*.md"))) == summary.articles
    lines = (tmp_path / "exports" / "zendesk_tickets.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == summary.tickets == 300
    assert sum(summary.counts_by_category.values()) == 300
    users = json.loads((tmp_path / "exports" / "zendesk_users.json").read_text(encoding="utf-8"))["users"]
    assert {u["role"] for u in users} == {"end-user", "agent", "admin"}
    assert not (tmp_path / "tunedesk.yaml").exists() and not (tmp_path / "redaction.yaml").exists()
    assert all(p.is_file() for p in summary.paths)


def test_write_zendesk_export_streams_valid_tickets(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "tickets.jsonl"
    assert write_zendesk_export(path, 5000) == 5000
    ids = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            ticket = json.loads(line)
            assert ticket.keys() >= TICKET_FIELDS and ticket["comments"]
            ids.append(ticket["id"])
    assert len(ids) == 5000 == len(set(ids))


def test_streamed_export_matches_the_generated_tickets(tmp_path: Path) -> None:
    path = tmp_path / "small.jsonl"
    write_zendesk_export(path, 250, seed=5)
    tickets, _, _ = generate_tickets(250, seed=5)
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == tickets


# --- proportions -----------------------------------------------------------------------------------------


def test_kinds_come_in_the_planned_proportions(corpus: Corpus) -> None:
    tickets, _, truths = corpus
    assert len(tickets) == len(truths) == 1500
    shares = {k: v / 1500 for k, v in Counter(t.kind for t in truths).items()}
    assert 0.65 <= shares["answer"] <= 0.80
    assert 0.12 <= shares["escalation"] <= 0.22
    assert 0.04 <= shares["off_topic"] <= 0.09


def test_every_answerable_category_has_60_tickets_over_several_intents(corpus: Corpus) -> None:
    _, _, truths = corpus
    by_category = Counter(t.category for t in truths)
    for category in ANSWERABLE:
        assert by_category[category] >= 60, category
        intents = {t.intent for t in truths if t.category == category}
        assert 3 <= len(intents) <= 6, (category, intents)
        assert all(i.startswith(category + ".") for i in intents)
    assert set(ESCALATION) | {OFF_TOPIC} <= set(by_category)
    assert {"refund_exception", "chargeback", "legal_threat", "gdpr_deletion", "furious_customer", "bug_report"} <= set(
        ESCALATION
    )


def test_intents_have_varied_questions_and_consistent_answers() -> None:
    for category in ANSWERABLE:
        for intent in BY_CATEGORY[category]:
            assert 6 <= len(intent.asks) <= 12, intent.key
            assert len(set(intent.asks)) == len(intent.asks), intent.key
            assert 2 <= len(intent.answers) <= 4, intent.key


def test_every_noise_kind_appears_at_roughly_its_rate(corpus: Corpus) -> None:
    _, _, truths = corpus
    counts = Counter(name for t in truths for name in t.noise)
    assert set(counts) == NOISE_KINDS
    share = {name: counts[name] / len(truths) for name in counts}
    assert 0.02 <= share["duplicate"] <= 0.04
    assert 0.03 <= share["near_duplicate"] <= 0.05
    assert 0.05 <= share["low_csat"] <= 0.12
    assert 0.02 <= share["non_answer"] <= 0.07
    assert 0.025 <= share["outdated_policy"] <= 0.07
    assert 0.10 <= share["multi_turn"] <= 0.22
    assert 0.01 <= share["long_answer"] <= 0.04
    assert 0.06 <= share["typo"] <= 0.14
    assert share["pii"] >= 0.4


# --- policies and KB -------------------------------------------------------------------------------------


def test_policies_yaml_validates_and_states_the_current_values(policies: Policies) -> None:
    assert policies.brand == BRAND and policies.version
    assert policies.voice.greeting == "Hi {name},"
    facts = policies.facts
    assert facts["return_window_days"].value == CURRENT_FACTS["return_days"] == 30
    assert facts["free_shipping_threshold"].value == CURRENT_FACTS["free_ship"] == 75
    assert facts["warranty_years"].value == CURRENT_FACTS["warranty_years"] == 2
    assert facts["refund_processing_days"].value == CURRENT_FACTS["refund_days"]
    assert facts["price_match_days"].value == CURRENT_FACTS["price_match_days"]
    assert (facts["support_email"].value, facts["support_phone"].value) == (SUPPORT_EMAIL, STORE_PHONE)
    assert facts["store_address"].value == STORE_ADDRESS
    assert all(f.patterns and f.text for f in facts.values())
    assert set(ANSWERABLE) <= set(policies.sections)


@pytest.mark.parametrize(
    ("sentence", "key", "value"),
    [
        ("You have 14 days to return it.", "return_window_days", "14"),
        ("Send it back within a 14-day window.", "return_window_days", "14"),
        ("Orders over $50 ship free.", "free_shipping_threshold", "50"),
        ("It has a 1-year warranty.", "warranty_years", "1"),
        ("Express delivery costs $19.99.", "express_shipping_cost", "19.99"),
        ("Refunds are issued within 10 business days.", "refund_processing_days", "10"),
    ],
)
def test_fact_patterns_capture_claimed_values(policies: Policies, sentence: str, key: str, value: str) -> None:
    assert set(claims(policies.facts[key], sentence)) == {value}


def test_current_answers_never_contradict_the_policies(corpus: Corpus, policies: Policies) -> None:
    tickets, _, truths = corpus
    captured: Counter[str] = Counter()
    for ticket, truth in zip(tickets, truths, strict=True):
        if "outdated_policy" in truth.noise:
            continue
        for reply in agent_replies(ticket):
            for key, fact in policies.facts.items():
                for claimed in claims(fact, reply):
                    assert agrees(fact, claimed), (key, claimed, reply)
                    captured[key] += 1
    assert set(captured) == set(policies.facts), "every fact is stated somewhere in the answers"


def test_outdated_answers_are_caught_by_the_patterns(corpus: Corpus, policies: Policies) -> None:
    tickets, _, truths = corpus
    outdated = [t for t, truth in zip(tickets, truths, strict=True) if "outdated_policy" in truth.noise]
    stale_values = {"return_window_days": 14, "free_shipping_threshold": 50, "warranty_years": 1}
    for ticket in outdated:
        found = {
            key
            for reply in agent_replies(ticket)
            for key, value in stale_values.items()
            for claimed in claims(policies.facts[key], reply)
            if float(claimed) == value
        }
        assert found, ticket["comments"]
    before_change = sum(datetime.fromisoformat(t["created_at"]) < POLICY_CHANGE for t in outdated)
    assert before_change > len(outdated) / 2, "old policies are mostly stated before they changed"


def test_kb_covers_every_answerable_category_and_agrees_with_policies(policies: Policies) -> None:
    articles = kb_articles()
    assert 12 <= len(articles) <= 16
    categories = set()
    for name, text in articles.items():
        assert name.endswith(".md") and text.startswith("---\n")
        front = yaml.safe_load(text.split("---\n")[1])
        assert front["title"] and isinstance(front["tags"], list) and front["tags"]
        categories.add(front["category"])
        for key, fact in policies.facts.items():
            assert all(agrees(fact, c) for c in claims(fact, text)), (name, key)
    assert set(ANSWERABLE) <= categories
    assert "30 days" in articles["returns.md"] and "$75" in articles["shipping.md"]
    assert "2-year warranty" in articles["warranty.md"]


# --- content of the tickets ------------------------------------------------------------------------------


def test_furious_customers_write_strongly_negative_messages(corpus: Corpus) -> None:
    tickets, _, truths = corpus
    vader = SentimentIntensityAnalyzer()
    furious = [t for t, truth in zip(tickets, truths, strict=True) if truth.category == "furious_customer"]
    assert len(furious) >= 20
    for ticket in furious:
        assert vader.polarity_scores(ticket["description"])["compound"] < -0.6, ticket["description"]


def test_planted_pii_is_fictional_and_appears_in_public_text(corpus: Corpus) -> None:
    tickets, _, truths = corpus
    kinds: Counter[str] = Counter()
    for ticket, truth in zip(tickets, truths, strict=True):
        visible = "\n".join([ticket["subject"], *(c["body"] for c in public(ticket))])
        for kind, value in truth.pii:
            kinds[kind] += 1
            assert value in visible and value not in (STORE_PHONE, SUPPORT_EMAIL, STORE_ADDRESS)
            if kind == "phone":
                assert re.sub(r"\D", "", value)[-7:] != re.sub(r"\D", "", STORE_PHONE)[-7:]
            if kind == "card":
                assert luhn_valid(value), value
            if kind == "email":
                assert value.endswith(".example")
            if kind == "phone":
                assert re.search(r"555[ .-]01\d\d$", value), value
    assert {"name", "email", "phone", "address", "card", "order"} <= set(kinds)
    assert kinds["card"] >= 10


def test_threads_alternate_sensibly(corpus: Corpus) -> None:
    tickets, _, truths = corpus
    for ticket, truth in zip(tickets, truths, strict=True):
        roles = ["customer" if c["author_id"] == ticket["requester_id"] else "agent" for c in public(ticket)]
        assert roles[0] == "customer" and "agent" in roles
        assert all(a != b for a, b in itertools.pairwise(roles)), roles
        if "multi_turn" in truth.noise:
            assert roles.count("agent") >= 2 and roles.count("customer") >= 2
        stamps = [c["created_at"] for c in ticket["comments"]]
        assert stamps == sorted(stamps)


def test_duplicates_repeat_an_earlier_ticket_under_a_new_id(corpus: Corpus) -> None:
    tickets, _, truths = corpus
    by_id = {t["external_id"]: t for t in tickets}
    for ticket, truth in zip(tickets, truths, strict=True):
        if truth.duplicate_of is None:
            continue
        original = by_id[truth.duplicate_of]
        assert ticket["id"] != original["id"] and truth.intent == next(
            t.intent for t in truths if t.external_id == truth.duplicate_of
        )
        bodies, original_bodies = [c["body"] for c in ticket["comments"]], [c["body"] for c in original["comments"]]
        if "duplicate" in truth.noise:
            assert bodies == original_bodies
        else:
            assert bodies[0] != original_bodies[0] and bodies[1:] == original_bodies[1:]
            words = difflib.SequenceMatcher(None, bodies[0].split(), original_bodies[0].split(), autojunk=False)
            assert sum(tag != "equal" for tag, *_ in words.get_opcodes()) <= 2, (bodies[0], original_bodies[0])


def test_answers_greet_solve_and_sign_off(corpus: Corpus) -> None:
    tickets, users, truths = corpus
    names = {u["id"]: u["name"].split()[0] for u in users}
    for ticket, truth in zip(tickets, truths, strict=True):
        if truth.noise & {"low_csat", "non_answer", "long_answer"}:
            continue
        for reply in agent_replies(ticket):
            assert reply.startswith(f"Hi {names[ticket['requester_id']]},\n\n"), reply
            assert "\n\nHappy trails,\n" in reply
            body = reply.split("\n\n")[1]
            assert len(body.split()) <= 120, body


def test_escalations_hand_over_and_off_topic_is_refused(corpus: Corpus) -> None:
    tickets, _, truths = corpus
    for ticket, truth in zip(tickets, truths, strict=True):
        reply = agent_replies(ticket)[0]
        if truth.kind == "escalation":
            assert ESCALATION_TEAMS[truth.category] in reply and "within 1 business day" in reply
        elif truth.kind == "off_topic":
            assert "I can only help with questions about Trailhead Outfitters" in reply


def test_history_answers_quote_live_order_data(corpus: Corpus) -> None:
    tickets, _, truths = corpus
    tracking = re.compile(r"\b(?:1Z[0-9A-Z]{16}|9400 1\d{3}(?: \d{4}){3} \d{3})\b")
    stock = re.compile(r"\b\d+ (?:units|of the)\b")
    poor = {"low_csat", "non_answer"}
    answered = [(t, tr.intent) for t, tr in zip(tickets, truths, strict=True) if not tr.noise & poor]
    where = [t for t, intent in answered if intent == "order_status.where_is"]
    assert where and all(tracking.search(" ".join(agent_replies(t))) for t in where)
    in_stock = [t for t, intent in answered if intent == "availability.in_stock"]
    assert in_stock and all(stock.search(" ".join(agent_replies(t))) for t in in_stock)


def test_noise_looks_like_real_exports(corpus: Corpus) -> None:
    tickets, _, truths = corpus
    for ticket, truth in zip(tickets, truths, strict=True):
        text = "\n".join(c["body"] for c in ticket["comments"])
        if "quoted" in truth.noise:
            assert re.search(r"^On .+ wrote:\n> ", text, re.M) or "-----Original Message-----" in text
        if "signature" in truth.noise:
            assert "\n--\n" in text or "Sent from my" in text or "Get Outlook" in text or "\nT: " in text
        if "note" in truth.noise:
            assert any(not c["public"] for c in ticket["comments"])
        if "html" in truth.noise:
            assert any("<a href=" in c["html_body"] or "<strong>" in c["html_body"] for c in ticket["comments"])
        if "long_answer" in truth.noise:
            assert max(len(r.split()) for r in agent_replies(ticket)) > 200
        if "low_csat" in truth.noise:
            assert ticket["satisfaction_rating"]["score"] == "bad"


# --- the Zendesk format ----------------------------------------------------------------------------------


def test_tickets_have_the_zendesk_shape(corpus: Corpus) -> None:
    tickets, users, truths = corpus
    user_ids = {u["id"] for u in users}
    ratings: Counter[str | None] = Counter()
    for ticket, truth in zip(tickets, truths, strict=True):
        assert ticket.keys() >= TICKET_FIELDS
        assert isinstance(ticket["id"], int) and ticket["id"] >= 100000 and ticket["external_id"] == truth.external_id
        assert {"channel", "source"} <= ticket["via"].keys() and ticket["via"]["source"]["from"]["address"]
        assert ISO_Z.match(ticket["created_at"]) and ISO_Z.match(ticket["updated_at"])
        assert datetime(2025, 1, 1, tzinfo=UTC) <= datetime.fromisoformat(ticket["created_at"])
        assert datetime.fromisoformat(ticket["created_at"]) < datetime(2026, 11, 1, tzinfo=UTC)
        assert ticket["description"] == ticket["comments"][0]["body"]
        assert {"id": CATEGORY_FIELD_ID, "value": truth.category} in ticket["custom_fields"]
        assert truth.category in ticket["tags"]
        ratings[(ticket["satisfaction_rating"] or {}).get("score")] += 1
        for comment in ticket["comments"]:
            assert comment.keys() >= COMMENT_FIELDS and comment["type"] == "Comment"
            assert comment["html_body"].startswith('<div class="zd-comment"') and comment["author_id"] in user_ids
        assert {ticket["requester_id"], ticket["assignee_id"]} <= user_ids
    assert set(ratings) == {"good", "bad", "offered", "unoffered", None}
    assert ratings["good"] > len(tickets) / 2


def test_export_holds_no_real_contact_data(tmp_path: Path) -> None:
    write_example(tmp_path, n_tickets=300)
    export = (tmp_path / "exports" / "zendesk_tickets.jsonl").read_text(encoding="utf-8")
    export += (tmp_path / "exports" / "zendesk_users.json").read_text(encoding="utf-8")
    domains = set(re.findall(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", export))
    assert domains and all(d.endswith(".example") for d in domains)
    urls = set(re.findall(r"https?://([\w.-]+)", export))
    assert all(u.endswith(".example") for u in urls), urls
    phones = re.findall(r"\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b", export)
    assert phones and all(re.search(r"555[ .-]01\d\d$", p) for p in phones)
    assert SITE_URL in export
