"""PII recall as a measured property: a planted set (tunedesk.pii.planted) with floors on recall per kind and on
look-alikes masked, and one test per leak the privacy review found (each leaked before the detectors here)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tunedesk.errors import ConfigError
from tunedesk.pii.planted import KINDS, STRUCTURED, planted_set, score
from tunedesk.pii.planted_lists import BRAND, DEV, TEST
from tunedesk.pii.redact import RedactionRules, Redactor, load_redaction_rules


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(RedactionRules(allowlist=list(BRAND["contacts"])), allowlist=[BRAND["name"]])


def masked(redactor: Redactor, text: str) -> str:
    return redactor.redact_text(text)[0]


def test_planted_sets_are_seeded_and_dev_and_test_share_no_names_places_or_phrasings() -> None:
    one, again = planted_set("test", 20, seed=5), planted_set("test", 20, seed=5)
    assert [t.messages[0].body for t in one.tickets] == [t.messages[0].body for t in again.tickets]
    assert one.plants == again.plants
    for key in ("first", "last", "name_templates", "signoffs", "streets_us", "streets_uk", "streets_au",
                "streets_ca", "streets_eu", "cities_uk", "cities_eu", "products", "subjects"):
        assert not set(DEV[key]) & set(TEST[key]), key
    for kind, templates in DEV["kind_templates"].items():
        assert not set(templates) & set(TEST["kind_templates"][kind]), kind


def test_a_small_planted_set_meets_the_floors(redactor: Redactor) -> None:
    planted = planted_set("test", 160, seed=7)
    result = score(planted, lambda t: redactor.redact_ticket(t)[0])
    assert result["planted"] >= 450 and result["kinds"] == len(KINDS) >= 14
    assert result["structured_recall"] >= 0.98, result["missed"]
    assert result["names_addresses_recall"] >= 0.93, result["missed"]
    assert result["benign_masked_share"] <= 0.03, result["missed"]
    for kind, row in result["recall"].items():
        assert row["recall"] >= (0.95 if kind in STRUCTURED else 0.85), (kind, result["missed"].get(kind))


@pytest.mark.parametrize(("text", "name"), [
    ("The account name Tomasz Wisniewski is on the card.", "Tomasz Wisniewski"),
    ("my husband Oluwaseun Adebayo placed the order", "Oluwaseun Adebayo"),
    ("It says it was signed for by Mei-Ling Chen at 2pm.", "Mei-Ling Chen"),
    ("hi, name's dave okafor, the boots never came", "dave okafor"),
    ("It's Anna-Lena Hoffmann again about the tent.", "Anna-Lena Hoffmann"),
    ("Sorry to chase. Yesterday I'm James Smith wrote to you twice.", "James Smith"),
    ("Marcus from your team promised a refund.", "Marcus"),
])
def test_names_in_free_text_are_masked(redactor: Redactor, text: str, name: str) -> None:
    out = masked(redactor, text)
    for part in name.replace("-", " ").split():
        assert part not in out, out
    assert "<NAME_1>" in out


@pytest.mark.parametrize(("text", "value", "placeholder"), [
    ("My SSN is 078-05-1120 for the tax form.", "078-05-1120", "<NATIONAL_ID_1>"),
    ("NI number QQ 12 34 56 C", "QQ 12 34 56 C", "<NATIONAL_ID_1>"),
    ("My date of birth is 14/03/1987.", "14/03/1987", "<DOB_1>"),
    ("I was born March 14, 1987 if you need it", "March 14, 1987", "<DOB_1>"),
    ("The login came from 81.2.69.160 last night.", "81.2.69.160", "<IP_1>"),
    ("and then from 2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::8a2e:370:7334", "<IP_1>"),
    ("please send it to 42 wallaby way, sydney nsw 2000 thanks", "42 wallaby way, sydney nsw 2000", "<ADDRESS_1>"),
    ("My username is trailfan88 on the app.", "trailfan88", "<USERNAME_1>"),
    ("DM me at @dave_okafor", "@dave_okafor", "<USERNAME_1>"),
    ("My account number is 55501234.", "55501234", "<ACCOUNT_1>"),
    ("call me on 0044 20 7946 0958 after 5", "0044 20 7946 0958", "<PHONE_1>"),
])
def test_structured_values_the_review_found_are_masked(redactor: Redactor, text: str, value: str,
                                                       placeholder: str) -> None:
    out = masked(redactor, text)
    rest = text.replace(value, " ")
    assert placeholder in out, out
    for part in re.findall(r"\w{2,}", value):  # no part of it either: '<PHONE_1> 0958' still leaks
        assert part in rest or not re.search(rf"\b{part}\b", out), out


@pytest.mark.parametrize("text", [
    "I bought the Summit Pro Jacket for $129.99 in size 10.5 (EU 42).",
    "The XR-2000 runs firmware 4.1.0 and version 2.3.1; we open 9am to 5pm, 14:00-16:00 on Sundays.",
    "It was delivered on 14/03/2025 and again on March 3, 2025.",
    "Write to support@trailhead.example or call +1 (555) 010-0100, 100 Harbor Way, Portland, OR 97201.",
    "Is my daughter eligible to open an account? My friend deposited $100 and the recipient hasn't got it.",
    "You can handle refunds from the user profile page with the login feature.",
])
def test_benign_look_alikes_survive(redactor: Redactor, text: str) -> None:
    assert masked(redactor, text) == text


def test_each_new_detector_can_be_switched_off_and_latest_year_is_checked(tmp_path: Path) -> None:
    text = "DOB 14/03/1987, SSN 536-22-8104, IP 81.2.69.160, username: trailfan88, account no: 55501234"
    off = RedactionRules.model_validate({kind: {"enabled": False} for kind in
                                         ("date_of_birth", "national_id", "ip_address", "username", "account_number")})
    assert Redactor(off).redact_text(text)[0] == text
    assert Redactor(RedactionRules.model_validate({"date_of_birth": {"latest_year": 1980}})).redact_text(
        "born in 1987? no: 14/03/1987 was my order")[0].endswith("14/03/1987 was my order")
    bad = tmp_path / "redaction.yaml"
    bad.write_text("date_of_birth: {latest_year: 1800}\n")
    with pytest.raises(ConfigError, match=r"date_of_birth\.latest_year"):
        load_redaction_rules(bad)


def test_a_conversation_is_masked_together_so_a_repeated_name_is_masked_everywhere(redactor: Redactor) -> None:
    customer = "my husband Oluwaseun Adebayo ordered it"
    reply = "Thanks Oluwaseun, Adebayo is the name on the order."
    masked_customer, masked_reply = redactor.redact_texts([customer, reply])
    assert "Oluwaseun" not in masked_reply and "Adebayo" not in masked_reply
    assert masked_customer.split()[2] == masked_reply.split()[1].rstrip(",") == "<NAME_1>"


def test_the_servers_reply_log_keeps_no_name_in_clear(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from tunedesk.answer.backends.scripted import ScriptedBackend
    from tunedesk.answer.setup import build_responder
    from tunedesk.scaffold import init_workspace
    from tunedesk.serve.app import ServerSettings, create_app
    from tunedesk.store.replies import ReplyLog
    from tunedesk.workspace import Workspace

    init_workspace(tmp_path / "ws", example=False)
    ws = Workspace.open(tmp_path / "ws")
    ws.config.serve.rollout_percent, ws.config.serve.mode = 100, "auto"
    backend = ScriptedBackend(["Hi there, thanks Oluwaseun. We will look into it.\n\nBest regards"],
                              mean_logprob=-0.05)
    responder = build_responder(ws, backend=backend, version="run-test")
    client = TestClient(create_app(ServerSettings(ws.config.serve, responder)))
    text = ("My husband Oluwaseun Adebayo ordered it, signed for by Mei-Ling Chen. name's dave okafor. "
            "It's Anna-Lena Hoffmann again. Marcus from your team said 42 wallaby way, sydney nsw 2000 is fine.")
    response = client.post("/v1/replies", json={"ticket_id": "log-1", "messages": [{"role": "customer",
                                                                                    "content": text}]})
    assert response.status_code == 200, response.text
    logged = ReplyLog(ws.store).get(response.json()["id"])
    stored = json.dumps(logged.thread) + logged.reply
    for word in ("Oluwaseun", "Adebayo", "Mei-Ling", "Chen", "dave", "okafor", "Anna-Lena", "Hoffmann", "Marcus",
                 "wallaby"):
        assert word not in stored, stored
