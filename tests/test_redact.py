"""PII redaction: what survives in a redacted ticket, what does not, the rules file and the review page."""

from __future__ import annotations

import csv
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunedesk.clean.review import write_review
from tunedesk.errors import ConfigError
from tunedesk.pii import numbers as pii_numbers
from tunedesk.pii import patterns as pii
from tunedesk.pii.classes import char_classes
from tunedesk.pii.fields import (
    field_name,
    rebuild_ticket,
    split_by_field,
    ticket_fields,
    ticket_texts,
)
from tunedesk.pii.redact import (
    DEFAULT_ORDER_PATTERN,
    DEFAULT_ORDER_TRIGGERS,
    DEFAULT_RULES_PATH,
    Redaction,
    RedactionRules,
    Redactor,
    TicketState,
    load_redaction_rules,
)
from tunedesk.pii.scan import Allowlist
from tunedesk.records import Message, Participant, Role, Ticket, copy_record

SUPPORT_EMAIL = "help@summitgear.example"
SITE_URL = "https://summitgear.example/returns"
STORE_PHONE = "+1 415 555 0100"
STORE_ADDRESS = "100 Harbor Way, Portland, OR 97201"
ALLOWLIST = [SUPPORT_EMAIL, SITE_URL, STORE_PHONE, STORE_ADDRESS]

MEMBER_RULE = {"name": "member_id", "pattern": r"\bMBR-[0-9]{6}\b", "placeholder_type": "MEMBER"}

# Every planted value, and the fragments of it that must not survive either.
PLANTED = {
    "email": ["maria.lopez@mail.example", "MARIA.LOPEZ@MAIL.EXAMPLE", "kenji@mail.example"],
    "phone": ["(415) 555-0142", "555-0142", "+1 415 555 0142", "555-0123", "+44 20 555 0134", "020 555 0147",
              "+14155550188", "4155550188", "555.0161"],
    "card": ["4111 1111 1111 1111", "5500-0000-0000-0004", "5500", "378282246310005"],
    "iban": ["DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "5698 7654"],
    "address": ["742 Evergreen Terrace", "Apt 3B", "Springfield, IL 62704", "221B Baker Street", "NW1 6XE",
                "Austin, TX 78701", "SW1A 1AA", "Evergreen"],
    "name": ["Maria", "Lopez", "Anna Schmidt", "Schmidt", "Tomasz", "Priya Raman", "Raman", "Jordan", "Kenji",
             "Watanabe"],
    "order_number": ["104233", "12345678"],
    "custom": ["MBR-204518", "204518"],
}
LUHN_INVALID = "4111 1111 1111 1112"
IBAN_INVALID = "DE89 3704 0044 0532 0130 01"


def make_ticket(bodies: list[str], subject: str = "", participants: list[Participant] | None = None,
                metadata: dict[str, Any] | None = None, authors: list[str | None] | None = None,
                ticket_id: str = "zendesk:1") -> Ticket:
    """A ticket whose messages alternate customer / agent."""
    authors = authors or [None] * len(bodies)
    messages = [Message(role=Role.customer if i % 2 == 0 else Role.agent, body=body, author=author)
                for i, (body, author) in enumerate(zip(bodies, authors, strict=True))]
    source, external_id = ticket_id.split(":")
    return Ticket(id=ticket_id, source=source, external_id=external_id, subject=subject, messages=messages,
                  participants=participants or [], metadata=metadata or {})


def all_text(value: Any) -> str:
    """Every string anywhere in a dumped record, one per line."""
    if isinstance(value, Ticket):
        value = value.model_dump(mode="json")
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(all_text(v) for v in value.values())
    if isinstance(value, list):
        return "\n".join(all_text(v) for v in value)
    return ""


def luhn_check_digit(digits: str) -> str:
    """The digit that makes `digits + it` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


@pytest.fixture
def redactor() -> Redactor:
    return Redactor(RedactionRules.model_validate({"custom": [MEMBER_RULE]}), allowlist=ALLOWLIST)


@pytest.fixture
def planted_ticket() -> Ticket:
    customer = (
        "Hi,\nmy name is Priya Raman and I'm writing for my colleague.\n"
        "Email maria.lopez@mail.example or call (415) 555-0142 or +1 415 555 0142, the office is 555-0123, "
        "London +44 20 555 0134 or 020 555 0147, mobile +14155550188, or call 4155550188, desk 555.0161.\n"
        "Card 4111 1111 1111 1111, old card 5500-0000-0000-0004 and amex 378282246310005. "
        f"Not a card: {LUHN_INVALID}.\n"
        f"IBAN DE89 3704 0044 0532 0130 00 or GB82 WEST 1234 5698 7654 32; the typo {IBAN_INVALID} is not one.\n"
        "Ship to 742 Evergreen Terrace, Apt 3B, Springfield, IL 62704 or 221B Baker Street, London NW1 6XE.\n"
        "My member id is MBR-204518 and I spoke with Kenji yesterday.\n"
        "Thanks,\nTomasz"
    )
    agent = (
        "Dear Mr. Lopez,\nthis is Jordan from Summit Gear. Order TH-104233 ships from our store at "
        f"{STORE_ADDRESS}; returns go via {SITE_URL}. Call {STORE_PHONE} or write to {SUPPORT_EMAIL}.\n"
        "Best,\nJordan"
    )
    followup = ("Hello Anna Schmidt here, writing for Maria: order #12345678 went to Austin, TX 78701, "
                "then SW1A 1AA. Please also reply to MARIA.LOPEZ@MAIL.EXAMPLE and ask Mr. Watanabe.")
    return make_ticket(
        [customer, agent, followup],
        subject="Order TH-104233 for Maria Lopez",
        participants=[Participant(name="Maria Lopez", email="maria.lopez@mail.example"),
                      Participant(name="Kenji Watanabe", email="kenji@mail.example"),
                      Participant(name="Jordan", role=Role.agent)],
        metadata={"requester": {"email": "kenji@mail.example", "phones": ["(415) 555-0142"]}, "priority": 3,
                  "note": "VIP since 2019"},
        authors=["Maria Lopez", "Jordan", None],
    )


def test_no_planted_pii_survives_anywhere_and_the_allowlist_stays(redactor: Redactor, planted_ticket: Ticket) -> None:
    redacted, redactions = redactor.redact_ticket(planted_ticket)
    text = all_text(redacted)
    for kind, values in PLANTED.items():
        for value in values:
            assert value not in text, f"{kind} {value!r} survived"
    for kept in [*ALLOWLIST, LUHN_INVALID, IBAN_INVALID, "VIP since 2019", "Summit Gear"]:
        assert kept in text
    assert redacted.participants == []
    assert redacted.metadata["priority"] == 3
    assert {r.kind for r in redactions} == {"email", "phone", "card", "iban", "address", "name", "order_number",
                                            "member_id"}
    assert "<MEMBER_1>" in text and "TH-<ORDER_1>" in redacted.subject
    assert planted_ticket.participants, "the input ticket is left as it was"


def test_same_value_gets_same_placeholder_across_messages_and_numbering_restarts_per_ticket(redactor: Redactor) -> None:
    ticket = make_ticket([
        "Write to maria.lopez@mail.example or call (415) 555-0142.",
        "Hi Maria, we will write to maria.lopez@mail.example.",
        "Use MARIA.LOPEZ@MAIL.EXAMPLE, call +1 415-555-0142, or my partner at ana@mail.example.",
    ], participants=[Participant(name="Maria Lopez")])
    redacted, redactions = redactor.redact_ticket(ticket)
    bodies = [m.body for m in redacted.messages]
    assert bodies[0] == "Write to <EMAIL_1> or call <PHONE_1>."
    assert bodies[1] == "Hi <NAME_1>, we will write to <EMAIL_1>."
    assert bodies[2] == "Use <EMAIL_1>, call <PHONE_1>, or my partner at <EMAIL_2>."
    assert [r.field for r in redactions][:2] == ["messages[0].body", "messages[0].body"]

    again, _ = redactor.redact_ticket(make_ticket(["Mail kenji@mail.example"], ticket_id="zendesk:2"))
    assert again.messages[0].body == "Mail <EMAIL_1>"


def test_redaction_records_name_the_field_and_mark_the_original_in_context(redactor: Redactor) -> None:
    long_body = "x" * 100 + " reach me at maria.lopez@mail.example please " + "y" * 100
    ticket = make_ticket([long_body], subject="Call 555-0123",
                         metadata={"requester": {"contacts": ["kenji@mail.example"]}})
    _, redactions = redactor.redact_ticket(ticket)
    by_field = {r.field: r for r in redactions}
    assert set(by_field) == {"subject", "messages[0].body", "metadata.requester.contacts[0]"}
    email = by_field["messages[0].body"]
    assert email == Redaction("zendesk:1", "messages[0].body", "email", "<EMAIL_1>", "maria.lopez@mail.example",
                              email.context)
    assert "⟦maria.lopez@mail.example⟧" in email.context
    assert email.context.startswith("…") and email.context.endswith("…")
    assert len(email.context) <= len("⟦maria.lopez@mail.example⟧") + 2 * 40 + 2


def test_overlapping_detections_resolve_to_one_placeholder(redactor: Redactor) -> None:
    state = TicketState(["Maria Lopez"])
    text, found = redactor.redact_text("Card 4111 1111 1111 1111, mail Maria.Lopez@mail.example, Maria", state)
    assert text == "Card <CARD_1>, mail <EMAIL_1>, <NAME_1>"
    assert [kind for kind, _, _ in found] == ["card", "email", "name"]


@pytest.mark.parametrize("phone", ["(415) 555-0142", "415-555-0142", "415.555.0142", "+1 415 555 0142",
                                   "+1 (415) 555-0142", "+14155550142", "555-0142", "+44 20 555 0134",
                                   "020 555 0147", "+33 6 55 50 01 42"])
def test_phone_formats_are_masked(redactor: Redactor, phone: str) -> None:
    assert redactor.redact_text(f"You can reach me on {phone} after six.")[0] == \
        "You can reach me on <PHONE_1> after six."


@pytest.mark.parametrize(("text", "expected"), [
    ("Ship to 742 Evergreen Terrace, Apt 3B, Springfield, IL 62704 please.", "Ship to <ADDRESS_1> please."),
    ("Ship to 12 W 42nd St, New York, NY 10001 please.", "Ship to <ADDRESS_1> please."),
    ("Ship to 221B Baker Street, London NW1 6XE please.", "Ship to <ADDRESS_1> please."),
    ("I moved to Springfield, IL 62704 last year.", "I moved to <ADDRESS_1> last year."),
    ("Postcode SW1A 1AA, flat 2.", "Postcode <ADDRESS_1>, flat 2."),
])
def test_postal_addresses_are_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact_text(text)[0] == expected


def test_names_in_name_positions_and_known_participants(redactor: Redactor) -> None:
    state = TicketState(["May Chen", "Will Turner"])
    text = ("Hi there,\nHello Anna Schmidt, this is Jordan from the warehouse. My name is Priya.\n"
            "Will the parcel arrive in May? Bill me later. Chen said the Summit team will call.\nHi May,\n"
            "Thanks,\nWill")
    redacted, _ = redactor.redact_text(text, state)
    assert redacted == ("Hi there,\nHello <NAME_1>, this is <NAME_2> from the warehouse. My name is <NAME_3>.\n"
                        "Will the parcel arrive in May? Bill me later. <NAME_4> said the Summit team will call.\n"
                        "Hi <NAME_4>,\nThanks,\n<NAME_5>")


def test_keep_actions_leave_values_and_stop_other_rules_masking_them() -> None:
    rules = RedactionRules.model_validate({
        "order_number": {"action": "keep"},
        "card": {"action": "keep"},
        "email": {"enabled": False},
        "custom": [{**MEMBER_RULE, "action": "keep"}],
    })
    text = "Order TH-104233, member MBR-204518, mail maria@mail.example, call 4222222222222 or 555-0123."
    redacted, found = Redactor(rules).redact_text(text)
    assert redacted == "Order TH-104233, member MBR-204518, mail maria@mail.example, call 4222222222222 or <PHONE_1>."
    assert found == [("phone", "<PHONE_1>", "555-0123")]
    default, _ = Redactor(RedactionRules()).redact_text(text)
    assert "call <CARD_1> or <PHONE_1>" in default, "13 Luhn-valid digits after 'call' are a card, not a phone"


def test_plain_support_text_comes_back_unchanged(redactor: Redactor) -> None:
    text = (
        "Hi there,\nthanks for your order! The Summit 40L pack costs $75 and ships on Monday; orders placed "
        "before 8:00 on 2026-03-04 arrive by 06.03.2026. We stock sizes 38 40 42 44, the 40L and 55L models, "
        "and version 2.1.3 of the app shows tracking. Returns are free within 30 days, refunds take 3-5 "
        "business days, and the 2 Trail Runner shoes come in Grey. Call the store between 9 and 5.\n"
        "Best regards,\nThe Summit Gear team"
    )
    redacted, found = redactor.redact_text(text, TicketState(["Maria Lopez"]))
    assert found == []
    assert redacted == text


def test_allowlist_patterns_protect_a_whole_domain() -> None:
    rules = RedactionRules(allowlist_patterns=[r"@summitgear\.example"])
    text = "Write to returns@summitgear.example, not to maria@mail.example."
    assert Redactor(rules).redact_text(text)[0] == "Write to returns@summitgear.example, not to <EMAIL_1>."


def test_odd_text_never_crashes_and_keeps_the_allowlist() -> None:
    redactor = Redactor(RedactionRules(), allowlist=["İSTANBUL STORE 555-0100"])
    ticket = make_ticket(["", "İstanbul Store 555-0100: call 555-0123\x00 now", "@@@ 4111 1111 1111 1111 1111 1111"],
                         metadata={"nested": [{"x": ["maria@mail.example", None, 3.5]}], "empty": {}})
    redacted, _ = redactor.redact_ticket(ticket)
    assert redacted.messages[1].body == "İstanbul Store 555-0100: call <PHONE_1>\x00 now"
    assert redacted.metadata == {"nested": [{"x": ["<EMAIL_1>", None, 3.5]}], "empty": {}}

    newlines = Redactor(RedactionRules.model_validate(
        {"custom": [{"name": "newline", "pattern": "\n+", "placeholder_type": "NL"}]}))
    redacted, _ = newlines.redact_ticket(make_ticket(["a\nb", ""], metadata={"last": ""}))
    assert [m.body for m in redacted.messages] == ["a<NL_1>b", ""] and redacted.metadata == {"last": ""}


@settings(max_examples=200, deadline=None)
@given(
    body=st.text(alphabet=st.characters(codec="ascii", categories=["L", "Zs"]), max_size=40),
    tail=st.text(alphabet=st.characters(codec="ascii", categories=["L", "Zs", "Po"]), max_size=40),
    prefix=st.text(alphabet="0123456789", min_size=15, max_size=15),
    separator=st.sampled_from(["", " ", "-"]),
)
def test_any_luhn_valid_card_number_in_text_is_masked(body: str, tail: str, prefix: str, separator: str) -> None:
    digits = prefix + luhn_check_digit(prefix)
    card = separator.join(digits[i : i + 4] for i in range(0, 16, 4))
    redacted, found = Redactor(RedactionRules()).redact_text(f"{body} {card} {tail}")
    assert card not in redacted
    assert ("card", "<CARD_1>", card) in found


def test_default_rules_file_loads_and_documents_the_defaults() -> None:
    rules = load_redaction_rules(DEFAULT_RULES_PATH)
    assert rules == RedactionRules()
    assert rules.order_number.action == "mask" and not rules.presidio.enabled


def test_bad_rules_file_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "redaction.yaml"
    path.write_text(
        'placeholder: "<{kind}>"\n'
        "email: {enabled: true, action: hide}\n"
        "phone: {enable: false}\n"
        "custom:\n"
        "  - {name: member_id, pattern: 'MBR-([0-9', placeholder_type: member}\n"
        "allowlist_patterns: ['@summitgear\\.example', '(unclosed']\n"
        "presidio: {score_threshold: 2}\n"
        "surprise: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_redaction_rules(path)
    problems = caught.value.problems
    keys = {p.split(":", 1)[0] for p in problems}
    assert keys == {"placeholder", "email.action", "phone.enable", "custom[0].pattern", "custom[0].placeholder_type",
                    "allowlist_patterns[1]", "presidio.score_threshold", "surprise"}
    assert any("invalid regular expression" in p and "'(unclosed'" in p for p in problems)
    assert str(path) in str(caught.value)


def test_unreadable_rules_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "redaction.yaml"
    path.write_text("email: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read"):
        load_redaction_rules(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_redaction_rules(tmp_path / "missing.yaml")


def test_presidio_enabled_but_not_installed_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "presidio_analyzer", None)  # makes the import fail
    with pytest.raises(ConfigError, match=r"pip install 'tunedesk\[presidio\]'"):
        Redactor(RedactionRules.model_validate({"presidio": {"enabled": True}}))


def test_presidio_results_become_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    class FakeAnalyzer:
        def analyze(self, **kwargs: Any) -> list[Any]:
            calls.append(kwargs)
            text = kwargs["text"]
            at = text.find("Quentin")
            return [types.SimpleNamespace(entity_type="PERSON", start=at, end=at + 7, score=0.9)] if at >= 0 else []

    module = types.ModuleType("presidio_analyzer")
    module.AnalyzerEngine = FakeAnalyzer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "presidio_analyzer", module)
    rules = RedactionRules.model_validate({"presidio": {"enabled": True, "entities": ["PERSON"]}})
    text, _ = Redactor(rules).redact_text("I asked Quentin about it; Hi Quentin!")
    assert text == "I asked <NAME_1> about it; Hi <NAME_1>!"
    assert calls[0]["entities"] == ["PERSON"] and calls[0]["score_threshold"] == 0.6


def test_review_files_are_written_escaped_and_hold_every_row(redactor: Redactor, tmp_path: Path) -> None:
    ticket = make_ticket(['<script>alert("x")</script> mail maria.lopez@mail.example & call +1 415 555 0142',
                          "second mail kenji@mail.example"], ticket_id="zendesk:<7>")
    _, redactions = redactor.redact_ticket(ticket)
    html_path, csv_path = tmp_path / "reports" / "review.html", tmp_path / "reports" / "review.csv"
    counts = write_review(redactions, html_path, csv_path)
    assert counts == {"total": 3, "rows": 3, "by_kind": {"email": 2, "phone": 1}}
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "zendesk:&lt;7&gt;" in page
    assert "<mark>maria.lopez@mail.example</mark>" in page and "<mark>kenji@mail.example</mark>" in page
    assert "contains the original personal data" in page
    assert "http://" not in page and "https://" not in page, "no external assets"
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["kind"], r["placeholder"], r["original"]) for r in rows] == [
        ("email", "<EMAIL_1>", "maria.lopez@mail.example"),
        ("email", "<EMAIL_2>", "kenji@mail.example"),
        ("phone", "<PHONE_1>", "'+1 415 555 0142"),  # quoted so a spreadsheet does not run it as a formula
    ]
    assert rows[0]["ticket_id"] == "zendesk:<7>" and "⟦maria.lopez@mail.example⟧" in rows[0]["context"]


def test_review_limit_caps_rows_per_kind_but_counts_all(tmp_path: Path) -> None:
    redactions = [Redaction("t:1", "subject", "email", f"<EMAIL_{i}>", f"u{i}@mail.example", f"⟦u{i}@mail.example⟧")
                  for i in range(1, 5)]
    counts = write_review(redactions, tmp_path / "r.html", tmp_path / "r.csv", limit=2)
    assert counts == {"total": 4, "rows": 2, "by_kind": {"email": 4}}
    assert "first 2 shown" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert len((tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()) == 3


def test_real_customer_queries_without_pii_stay_unchanged(shared_data: Path) -> None:
    with (shared_data / "banking77" / "train.csv").open(encoding="utf-8", newline="") as fh:
        queries = [row["text"] for row in csv.DictReader(fh)]
    redactor = Redactor(RedactionRules())
    changed = [q for q in queries if redactor.redact_text(q)[1]]
    assert len(queries) > 5000
    assert len(changed) <= len(queries) // 1000, changed[:10]


# The fast paths below must find exactly what the plain regex scan and pydantic's copy give.

# The sketch (pii_classes) lets the engine jump to the few places a detector can match; what it then finds must be
# exactly what the plain scan of the text finds, on any text.
SKETCH_BITS = ["0", "1", "42", "555", "12345", "2026-03-04", " ", ".", "-", "(", ")", "_", "/", "+", "#", "&", ":",
               ",", "!", "'", "’", "\t", "\n", "\x00", "\n\x00\n", "\x01", "\x02", "?", "@", "A", "IL", "SW1A",
               "DE89", "St", "Street", "Maria", "Lopez", "Élodie", "ß", "a", "x", "Hi", "Hello", "Dear", "Mr.", "Ms",
               "Prof", "Good morning", "Thanks", "Thank you", "Best", "Best regards", "Cheers", "Many thanks",
               "All the best", "Regards", "Yours", "Take care", "Sincerely", "Kind regards", "Warm regards", "team",
               "order", "Order no.", "purchase", "Purchase id", "ID", "TH-", "border", "phase"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(SKETCH_BITS), max_size=40))
def test_sketch_scans_find_what_the_plain_scans_find(bits: list[str]) -> None:
    text = "".join(bits)
    assert [m.span() for m in pii_numbers._NUMBER_IN_RUNS.finditer(pii_numbers.digit_runs(char_classes(text)))] == \
        [m.span() for m in pii_numbers._NUMBER.finditer(text)]
    greetings = [m for m in pii._GREETING.finditer(text)]
    assert pii.find_greeting_names(text) == [
        span for m in greetings if (span := pii._name_span(text, m))
        and ("," not in text[m.start() : m.start(1)] or text[span[1] : span[1] + 1] in ",.!:;\n")]
    signoffs = [m for m in pii._SIGNOFF.finditer(text)]
    assert pii.find_signoff_names(text) == [span for m in signoffs if (span := pii._name_span(text, m))]
    order = re.compile(DEFAULT_ORDER_PATTERN)
    assert pii.find_pattern_at(order, DEFAULT_ORDER_TRIGGERS, text) == pii.find_pattern(order, text)


def test_sketch_has_one_byte_per_character_and_finds_names_after_any_capital() -> None:
    text = "Grüße, İstanbul ’ 😀 Hi Élodie,\nThanks,\nÉmile"
    assert len(char_classes(text)) == len(text)
    assert [text[s:e] for s, e, _ in pii.find_greeting_names(text)] == ["Élodie"]
    assert [text[s:e] for s, e, _ in pii.find_signoff_names(text)] == ["Émile"]
    assert pii.find_pattern_at(re.compile(DEFAULT_ORDER_PATTERN), DEFAULT_ORDER_TRIGGERS, "Order ID: #1234567") == \
        [(11, 18, "1234567")]


ALLOW_ITEMS = ["Trailhead Outfitters", "(303) 555-0142", "ok", "a?b", "Straße 5", "İz"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["TRAILHEAD outfitters", "Trailhead Outfitters", "(303) 555-0142", "O", "k", "K",
                                 "\u212a", "İ", "İz", "iz", "strasse 5", "STRASSE 5", "Straße 5", "a?b", "aéb", "é",
                                 " ", "\n\x00\n", "x"]), max_size=12))
def test_allowlist_on_ascii_bytes_finds_what_lowering_the_text_finds(bits: list[str]) -> None:
    text = "".join(bits)
    for items in (ALLOW_ITEMS[:4], ALLOW_ITEMS[:3], ALLOW_ITEMS):  # "?" or non-ASCII items: no bytes path
        allowlist = Allowlist(items)
        assert sorted(allowlist.spans(text, text.encode("ascii", "replace"))) == sorted(allowlist.spans(text))


def test_allowlist_keeps_what_only_lowering_the_whole_text_reveals() -> None:
    redactor = Redactor(RedactionRules(), allowlist=["ok maria@mail.example"])
    kelvin = "O\u212a maria@mail.example"  # the Kelvin sign lowers to an ASCII k
    assert redactor.redact_text(kelvin)[0] == kelvin
    assert redactor.redact_ticket(make_ticket([kelvin]))[0].messages[0].body == kelvin


def test_matches_at_resumes_inside_a_skipped_match_like_finditer() -> None:
    # "Dear Ann Ms" ends inside "Ms Lee Mr", so the next greeting found starts at "Mr Ho", as with finditer.
    text = "Dear Ann Ms Lee Mr Ho"
    capitals = [i for i, ch in enumerate(text) if ch.isupper()]
    found = [m.group() for m in pii.matches_at(pii._GREETING, text, capitals)]
    assert found == [m.group() for m in pii._GREETING.finditer(text)] == ["Dear Ann Ms", "Mr Ho"]


def test_an_edited_default_order_pattern_finds_the_same_order_numbers() -> None:
    texts = ["Order TH-104233 and order #12345678", "purchase no. 1234567, border 123456, &#12345; #98765",
             "ORDER 123456 or Order: #1234567 or AB-12345-6", "phase 123456 and PurchaseNumber 1234567"]
    spaced = DEFAULT_ORDER_PATTERN.replace("(?x)\n", "(?x)\n ")  # same regex, so no literal-start fast path
    default = Redactor(RedactionRules())
    edited = Redactor(RedactionRules.model_validate({"order_number": {"pattern": spaced}}))
    for text in texts:
        assert default.redact_text(text) == edited.redact_text(text)
    assert default.redact_text(texts[0])[0] == "Order TH-<ORDER_1> and order #<ORDER_2>"


def test_numeric_authors_stay_but_an_author_that_is_pii_is_masked(redactor: Redactor) -> None:
    authors: list[str | None] = ["362000000000", "4111111111111111", "+14155550188", "12345678901234567890123",
                                 "4222222222222"]
    redacted, redactions = redactor.redact_ticket(make_ticket(["Hi", "Hello", "Thanks", "ok", "bye"], authors=authors))
    assert [m.author for m in redacted.messages] == ["362000000000", "<CARD_1>", "<PHONE_1>",
                                                     "12345678901234567890123", "<CARD_2>"]
    assert [(r.field, r.kind) for r in redactions] == [("messages[1].author", "card"), ("messages[2].author", "phone"),
                                                       ("messages[4].author", "card")]


def test_a_number_after_a_phone_word_in_its_own_field_is_a_phone() -> None:
    ticket = make_ticket(["call me on\n5550123456", "5550123456"], metadata={"phone": "tel 5550123456"})
    redacted, _ = Redactor(RedactionRules()).redact_ticket(ticket)
    assert [m.body for m in redacted.messages] == ["call me on\n<PHONE_1>", "5550123456"]
    assert redacted.metadata == {"phone": "tel <PHONE_1>"}


def test_digit_groups_inside_settled_spans_are_passed_over() -> None:
    text = "Store (303) 555-0142, mine (415) 555-0142"
    assert [s[:2] for s in pii.scan_numbers(text).phones] == [(6, 20), (27, 41)]
    assert [s[:2] for s in pii.scan_numbers(text, [(6, 20)]).phones] == [(27, 41)]
    assert [s[:2] for s in pii.scan_numbers(text, [(6, 15)]).phones] == [(6, 20), (27, 41)], "only partly settled"


def test_field_names_match_ticket_fields_at_every_position() -> None:
    ticket = make_ticket(["a", "b", "c"], subject="s", authors=["Ann", None, "Bo"],
                         metadata={"x": "1", "n": {"y": ["2", 3, {"z": "4"}], "w": None}, "v": ("5", "6")})
    fields = ticket_fields(ticket)
    assert ticket_texts(ticket) == [text for _, text in fields]
    assert [field_name(ticket, i) for i in range(len(fields))] == [name for name, _ in fields]
    assert fields[-3:] == [("metadata.n.y[2].z", "4"), ("metadata.v[0]", "5"), ("metadata.v[1]", "6")]


def test_rebuild_replaces_only_the_given_positions_and_keeps_the_input() -> None:
    ticket = make_ticket(["a", "b"], subject="s", authors=["Ann", None], metadata={"m": ["x", {"k": "y"}], "n": 1},
                         participants=[Participant(name="Ann")])
    rebuilt = rebuild_ticket(ticket, {2: "<NAME_1>", 5: "<Y>"})
    assert [(m.body, m.author) for m in rebuilt.messages] == [("a", "<NAME_1>"), ("b", None)]
    assert rebuilt.metadata == {"m": ["x", {"k": "<Y>"}], "n": 1} and ticket.metadata["m"][1] == {"k": "y"}
    assert rebuilt.messages[1] is ticket.messages[1] and rebuilt.participants == [] and ticket.participants
    unchanged = rebuild_ticket(ticket, {})
    assert unchanged.model_dump() == ticket.model_copy(update={"participants": []}).model_dump()


def test_rebuild_with_only_the_subject_replaced_keeps_every_message() -> None:
    ticket = make_ticket(["a", "b"], subject="Order 1234567", authors=["Ann", None])
    rebuilt = rebuild_ticket(ticket, {0: "Order <ORDER_1>"})
    assert rebuilt.subject == "Order <ORDER_1>" and ticket.subject == "Order 1234567"
    assert rebuilt.messages == ticket.messages and rebuilt.messages is not ticket.messages
    assert all(new is old for new, old in zip(rebuilt.messages, ticket.messages, strict=True))
    assert rebuilt.model_fields_set == ticket.model_copy(update={"subject": "", "participants": []}).model_fields_set


def test_redaction_records_are_plain_redactions(redactor: Redactor) -> None:
    _, redactions = redactor.redact_ticket(make_ticket(["Mail kenji@mail.example"]))
    expected = Redaction("zendesk:1", "messages[0].body", "email", "<EMAIL_1>", "kenji@mail.example",
                         "Mail ⟦kenji@mail.example⟧")
    assert redactions == [expected] and hash(redactions[0]) == hash(expected) and repr(redactions[0]) == repr(expected)
    with pytest.raises(AttributeError):
        redactions[0].kind = "name"  # type: ignore[misc]


def test_copy_record_is_model_copy() -> None:
    message = Message(role=Role.agent, body="hello")
    copied, reference = copy_record(message, {"body": "<NAME_1>"}), message.model_copy(update={"body": "<NAME_1>"})
    assert copied == reference and copied.model_fields_set == reference.model_fields_set == {"role", "body"}
    assert type(copied) is Message and message.body == "hello"
    copied.author = "x"
    assert message.author is None, "the copy has its own fields"


def test_split_by_field_moves_spans_to_their_field() -> None:
    texts = ["ab", "", "cdef"]  # joined with a 3-character break: "ab" 0-2, "" 5-5, "cdef" 8-12
    spans = [(0, 1, "k", "<A>"), (2, 6, "k", "<B>"), (6, 9, "k", "<C>"), (10, 20, "k", "<D>")]
    assert split_by_field(texts, spans, 3) == {0: [(0, 1, "k", "<A>")], 2: [(0, 1, "k", "<C>"), (2, 4, "k", "<D>")]}
    assert split_by_field(["ab", "cd"], [(2, 7, "k", "<B>")], 3) == {1: [(0, 2, "k", "<B>")]}, "begins in the break"
    assert split_by_field(texts, [], 3) == {}
