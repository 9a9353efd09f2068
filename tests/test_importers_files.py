"""The file importers `csv`, `jsonl`, `email` and `kb` on real payloads, own fixtures and broken input."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tunedesk.errors import ConfigError
from tunedesk.ingest.importers import detect_format, get_importer
from tunedesk.ingest.importers.base import Importer, read_head
from tunedesk.ingest.importers.chatjsonl import ChatJsonlImporter
from tunedesk.ingest.importers.csvfile import CsvImporter
from tunedesk.ingest.importers.email import EmailImporter
from tunedesk.ingest.importers.kb import KbImporter
from tunedesk.records import Article, ImportedRecord, Rejected, Role, Ticket

FILES = Path(__file__).parent / "fixtures" / "files"
BITEXT_COLUMNS = {"customer": "instruction", "agent": "response", "category": "intent"}
TWCS_COLUMNS = {"id": "tweet_id", "parent": "in_response_to_tweet_id", "text": "text", "author": "author_id",
                "role": "inbound", "created_at": "created_at"}
THREAD_COLUMNS = {"id": "msg_id", "parent": "reply_to", "text": "body", "author": "author", "role": "inbound",
                  "created_at": "sent_at"}


def read(importer: Importer, *paths: Path) -> list[ImportedRecord]:
    return list(importer.read_files(list(paths)))


def kinds(records: list[ImportedRecord]) -> Counter[str]:
    return Counter(type(r).__name__ for r in records)


def by_id(records: list[ImportedRecord]) -> dict[str, Ticket | Article]:
    return {r.id: r for r in records if isinstance(r, Ticket | Article)}


def rejected(records: list[ImportedRecord]) -> dict[str, Rejected]:
    return {r.locator: r for r in records if isinstance(r, Rejected)}


def bodies(ticket: Ticket) -> list[tuple[Role, str]]:
    return [(m.role, m.body) for m in ticket.messages]


# --- registry, sniffing, re-import ------------------------------------------------------------------------------

def test_registered_under_their_short_names() -> None:
    assert get_importer("csv") is CsvImporter
    assert get_importer("jsonl") is ChatJsonlImporter
    assert get_importer("email") is EmailImporter
    assert get_importer("kb") is KbImporter


SNIFF_FILES = {
    "csv": ["support.csv", "legacy.csv", "semicolon.csv"],
    "jsonl": ["chat.jsonl", "legacy.jsonl"],
    "email": ["mail/01-question.eml", "mail/03-followup.eml", "inbox.mbox"],
    "kb": ["kb/returns.md", "kb/warranty.html", "solution_articles.json"],
}


@pytest.mark.parametrize("owner", sorted(SNIFF_FILES))
@pytest.mark.parametrize("name", sorted(SNIFF_FILES))
def test_sniff_recognises_its_files_and_not_the_others(owner: str, name: str) -> None:
    importer = get_importer(name)
    for relative in SNIFF_FILES[owner]:
        path = FILES / relative
        assert importer.sniff(path, read_head(path)) is (owner == name), f"{name}.sniff({relative})"


def test_sniff_by_content_without_a_telling_suffix(tmp_path: Path) -> None:
    for source, target in [("legacy.jsonl", "a.txt"), ("mail/01-question.eml", "b.txt")]:
        (tmp_path / target).write_bytes((FILES / source).read_bytes())
    assert ChatJsonlImporter.sniff(tmp_path / "a.txt", read_head(tmp_path / "a.txt"))
    assert EmailImporter.sniff(tmp_path / "b.txt", read_head(tmp_path / "b.txt"))
    assert not EmailImporter.sniff(tmp_path / "a.txt", read_head(tmp_path / "a.txt"))
    assert not CsvImporter.sniff(tmp_path / "a.txt", read_head(tmp_path / "a.txt"))


def test_detect_format_picks_these_importers() -> None:
    assert detect_format(FILES / "mail" / "02-answer.eml") == "email"
    assert detect_format(FILES / "chat.jsonl") == "jsonl"
    assert detect_format(FILES / "support.csv") == "csv"
    assert detect_format(FILES / "kb" / "returns.md") == "kb"
    assert detect_format(FILES / "solution_articles.json") == "kb"


REIMPORTS: list[tuple[type[Importer], dict[str, Any], str]] = [
    (CsvImporter, {}, "bad.csv"),
    (CsvImporter, {"mode": "threads", "columns": THREAD_COLUMNS}, "threads.csv"),
    (ChatJsonlImporter, {}, "chat_bad.jsonl"),
    (EmailImporter, {}, "mail"),
    (EmailImporter, {}, "inbox.mbox"),
    (KbImporter, {}, "kb"),
    (KbImporter, {}, "solution_articles.json"),
]


@pytest.mark.parametrize(("importer", "options", "relative"), REIMPORTS)
def test_importing_twice_gives_identical_records(importer: type[Importer], options: dict[str, Any],
                                                 relative: str) -> None:
    first = [r.model_dump() for r in read(importer(options), FILES / relative)]
    second = [r.model_dump() for r in read(importer(options), FILES / relative)]
    assert first and first == second


@pytest.mark.parametrize("importer", [CsvImporter, ChatJsonlImporter, EmailImporter, KbImporter])
def test_a_missing_file_is_one_file_rejection(importer: type[Importer], tmp_path: Path) -> None:
    records = read(importer(), tmp_path / "gone.csv")
    assert [(type(r), r.locator) for r in records] == [(Rejected, "file")]  # type: ignore[union-attr]


@pytest.mark.parametrize("importer", [CsvImporter, ChatJsonlImporter, KbImporter])
def test_unknown_encoding_or_option_is_a_config_error(importer: type[Importer]) -> None:
    with pytest.raises(ConfigError, match="encoding"):
        importer({"encoding": "no-such-codec"})
    with pytest.raises(ConfigError, match="colour"):
        importer({"colour": "blue"})


# --- csv ------------------------------------------------------------------------------------------------------------

def test_csv_bitext_imports_every_row(shared_data: Path) -> None:
    path = shared_data / "bitext_customer_support" / "bitext_customer_support_2023-08_shared.csv"
    records = read(CsvImporter({"columns": BITEXT_COLUMNS}), path)
    assert kinds(records) == Counter({"Ticket": 4061})
    first = records[0]
    assert isinstance(first, Ticket)
    assert first.id == "csv:bitext_customer_support_2023-08_shared-2"
    assert first.category == "cancel_order"
    assert bodies(first)[0] == (Role.customer, "i want assistance to cancel purchase 732201349959")
    assert "{{Purchase ID Anonymized}}" in first.messages[1].body  # placeholders stay for the build stage
    assert first.metadata["category"] == "ORDER" and first.metadata["entity_type"] == "order_id"
    assert not any("\r" in m.body for r in records if isinstance(r, Ticket) for m in r.messages)
    assert len(by_id(records)) == 4061


def test_csv_twcs_threads_join_replies(shared_data: Path) -> None:
    records = read(CsvImporter({"mode": "threads", "columns": TWCS_COLUMNS}),
                   shared_data / "twcs_sample" / "twcs_kaggle_sample.csv")
    tickets = [r for r in records if isinstance(r, Ticket)]
    assert kinds(records) == Counter({"Ticket": 27})
    assert sum(len(t.messages) for t in tickets) == 93
    virgin = by_id(records)["csv:119246"]
    assert isinstance(virgin, Ticket)
    assert [m.author for m in virgin.messages][:3] == ["VirginTrains", "105836", "VirginTrains"]
    for ticket in tickets:
        for message in ticket.messages:
            assert (message.role is Role.customer) == str(message.author).isdigit()


def test_csv_legacy_prompt_completion_loses_its_separators() -> None:
    records = read(CsvImporter(), FILES / "legacy.csv")
    assert [bodies(r) for r in records if isinstance(r, Ticket)] == [
        [(Role.customer, "Where is my refund?"), (Role.agent, "Refunds reach your card within 5 business days.")],
        [(Role.customer, "How do I reset my password?"),
         (Role.agent, "Use the Forgot password link on the sign-in page.")],
    ]
    assert [r.id for r in records] == ["csv:legacy-2", "csv:legacy-3"]  # type: ignore[union-attr]


def test_csv_column_mapping_fills_fields_and_keeps_the_rest_as_metadata() -> None:
    columns = {"id": "ticket", "customer": "instruction", "agent": "response", "category": "intent",
               "created_at": "created"}
    records = by_id(read(CsvImporter({"columns": columns, "source_name": "shop"}), FILES / "support.csv"))
    assert sorted(records) == ["shop:T-1", "shop:T-2", "shop:T-3"]
    second = records["shop:T-2"]
    assert isinstance(second, Ticket)
    assert second.messages[1].body == ("It is on its way:\n1. It left the warehouse on Monday.\n"
                                       "2. It should arrive on Thursday.")
    assert second.category == "track_order"
    assert second.created_at is not None and second.created_at.isoformat() == "2024-05-03T14:00:00+00:00"
    assert records["shop:T-1"].metadata == {"priority": "low"}
    assert records["shop:T-3"].created_at is None  # type: ignore[union-attr]


def test_csv_delimiter_is_sniffed() -> None:
    records = read(CsvImporter({"columns": {"customer": "question", "agent": "answer", "category": "topic"}}),
                   FILES / "semicolon.csv")
    assert [(r.category, r.messages[0].body) for r in records] == [  # type: ignore[union-attr]
        ("billing", "Do you sell gift cards?"), ("billing", "Can I pay with PayPal?")]


def test_csv_bad_rows_are_rejected_one_by_one_and_the_rest_imported() -> None:
    records = read(CsvImporter({"columns": {"id": "id", "customer": "question", "agent": "answer"}}),
                   FILES / "bad.csv")
    assert sorted(by_id(records)) == ["csv:1", "csv:3", "csv:7"]
    bad = rejected(records)
    assert sorted(bad) == ["row 3", "row 5", "row 6", "row 7"]
    assert "unbalanced quote" in bad["row 3"].reason and bad["row 3"].raw.startswith('2,"Broken quote')
    assert "not valid utf-8 at line 5" in bad["row 5"].reason
    assert (bad["row 6"].field, bad["row 6"].reason) == ("question", "empty value")
    assert "4 fields" in bad["row 7"].reason
    multi = by_id(records)["csv:7"]
    assert bodies(multi) == [(Role.customer, "Multi\nline question"), (Role.agent, "Multi\nline answer")]  # type: ignore[arg-type]
    assert all(r.source_file.endswith("bad.csv") for r in bad.values())


def test_csv_mapping_a_missing_column_rejects_the_file_once() -> None:
    records = read(CsvImporter({"columns": {"customer": "question", "agent": "reply", "csat": "score"}}),
                   FILES / "semicolon.csv")
    assert len(records) == 1
    only = records[0]
    assert isinstance(only, Rejected) and only.locator == "file" and only.field == "columns"
    assert "agent='reply'" in only.reason and "csat='score'" in only.reason
    assert "header: question, answer, topic" in only.reason


def test_csv_without_recognisable_text_columns_asks_for_a_mapping() -> None:
    records = read(CsvImporter(), FILES / "threads.csv")
    assert len(records) == 1 and "set options.columns" in records[0].reason  # type: ignore[union-attr]


def test_csv_empty_file_is_one_rejection() -> None:
    records = read(CsvImporter(), FILES / "empty.csv")
    assert [(r.locator, r.reason) for r in records] == [("file", "empty file: no header row")]  # type: ignore[union-attr]


def test_csv_huge_field_and_other_encodings(tmp_path: Path) -> None:
    huge = "x" * 300_000
    (tmp_path / "huge.csv").write_text(f'prompt,completion\n"{huge}",ok\n', encoding="utf-8")
    assert read(CsvImporter(), tmp_path / "huge.csv")[0].messages[0].body == huge  # type: ignore[union-attr]
    (tmp_path / "latin.csv").write_bytes("question,answer\nCafé open?,Oui\n".encode("cp1252"))
    assert read(CsvImporter({"encoding": "cp1252"}), tmp_path / "latin.csv")[0].messages[0].body == "Café open?"  # type: ignore[union-attr]
    assert rejected(read(CsvImporter(), tmp_path / "latin.csv"))["row 2"].reason.startswith("bytes not valid utf-8")


def test_csv_threads_mode_fixture() -> None:
    records = read(CsvImporter({"mode": "threads", "columns": THREAD_COLUMNS}), FILES / "threads.csv")
    tickets = by_id(records)
    assert sorted(tickets) == ["csv:500", "csv:600", "csv:700"]
    tent = tickets["csv:500"]
    assert isinstance(tent, Ticket)
    assert [(m.role, m.author) for m in tent.messages] == [
        (Role.customer, "cust_a"), (Role.agent, "TrailheadHelp"), (Role.customer, "cust_a")]
    assert tent.metadata["message_ids"] == ["500", "501", "502"]
    assert str(tent.created_at) == "2017-10-11 06:55:44+00:00"
    assert rejected(records)["row 6"].field == "inbound"


@pytest.mark.parametrize("options", [
    {"columns": {"question": "q"}}, {"mode": "threads", "columns": {"id": "a", "text": "b"}}, {"delimiter": ";;"},
])
def test_csv_bad_options_are_config_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        CsvImporter(options)


# --- jsonl ----------------------------------------------------------------------------------------------------------

def test_jsonl_chat_records() -> None:
    records = read(ChatJsonlImporter(), FILES / "chat.jsonl")
    assert [r.id for r in records] == ["jsonl:chat-1", "jsonl:conv-42", "jsonl:chat-4"]  # type: ignore[union-attr]
    first, second, third = records
    assert isinstance(first, Ticket) and isinstance(second, Ticket) and isinstance(third, Ticket)
    assert [m.role for m in first.messages] == [Role.system, Role.customer, Role.agent]
    assert second.messages[0].body == "My parcel is late.\nOrder 1001."
    assert (second.category, second.tags, second.metadata) == ("shipping", ["delivery", "late"], {"channel": "chat"})
    assert third.metadata == {"locale": "en-US"} and str(third.created_at) == "2024-03-01 10:00:00+00:00"


def test_jsonl_legacy_prompt_completion() -> None:
    records = read(ChatJsonlImporter(), FILES / "legacy.jsonl")
    assert [bodies(r) for r in records] == [  # type: ignore[arg-type]
        [(Role.customer, "Where is my refund?"), (Role.agent, "Refunds reach your card within 5 business days.")],
        [(Role.customer, "How do I reset my password?"),
         (Role.agent, "Use the Forgot password link on the sign-in page.")],
    ]


def test_jsonl_each_bad_line_is_one_rejection_naming_line_and_field() -> None:
    records = read(ChatJsonlImporter(), FILES / "chat_bad.jsonl")
    assert len(records) == 11  # one outcome per line
    assert sorted(by_id(records)) == ["jsonl:chat_bad-1", "jsonl:chat_bad-7", "jsonl:dup"]
    bad = rejected(records)
    assert {locator: r.field for locator, r in bad.items()} == {
        "line 2": None, "line 3": "messages[0].role", "line 4": "messages[0].content", "line 5": "messages",
        "line 6": "encoding", "line 8": None, "line 9": "completion", "line 11": "id",
    }
    assert bad["line 2"].reason.startswith("invalid JSON")
    assert "robot" in bad["line 3"].reason
    assert "line 6" in bad["line 6"].reason and "Caf" in bad["line 6"].raw
    assert "first seen on line 10" in bad["line 11"].reason


def test_jsonl_other_encodings_and_empty_files(tmp_path: Path) -> None:
    line = {"messages": [{"role": "user", "content": "Ça marche ?"}, {"role": "assistant", "content": "Oui."}]}
    (tmp_path / "wide.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-16")
    records = read(ChatJsonlImporter({"encoding": "utf-16"}), tmp_path / "wide.jsonl")
    assert records[0].messages[0].body == "Ça marche ?"  # type: ignore[union-attr]
    (tmp_path / "empty.jsonl").write_bytes(b"\n\n")
    assert read(ChatJsonlImporter(), tmp_path / "empty.jsonl") == []


def test_jsonl_function_calling_lines_keep_their_text_turns(tmp_path: Path) -> None:
    # OpenAI's fine-tuning format for function calling: an assistant turn with `tool_calls` and no `content`, the
    # `tool` turn with the function's result, and the tool definitions beside `messages`.
    call = {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {
        "name": "order_status", "arguments": '{"order": "1001"}'}}]}
    result = {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'}
    tools = [{"type": "function", "function": {"name": "order_status", "parameters": {"type": "object"}}}]
    lines = [
        {"messages": [{"role": "system", "content": "You are the Trailhead support assistant."},
                      {"role": "user", "content": "Where is order 1001?"}, call, result,
                      {"role": "assistant", "content": "It shipped yesterday."}], "tools": tools},
        {"messages": [{"role": "user", "content": "Cancel order 1002."}, call], "tools": tools},
        {"messages": [{"role": "user", "content": "Is 1003 on its way?"},
                      {**call, "content": "Let me check that for you."}, result]},
    ]
    (tmp_path / "tools.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    records = read(ChatJsonlImporter(), tmp_path / "tools.jsonl")
    assert len(records) == 3
    first, third = by_id(records)["jsonl:tools-1"], by_id(records)["jsonl:tools-3"]
    assert isinstance(first, Ticket) and isinstance(third, Ticket)
    assert bodies(first) == [(Role.system, "You are the Trailhead support assistant."),
                             (Role.customer, "Where is order 1001?"), (Role.agent, "It shipped yesterday.")]
    assert first.metadata["tool_turns_skipped"] == 2 and first.metadata["tools"] == tools
    assert bodies(third) == [(Role.customer, "Is 1003 on its way?"), (Role.agent, "Let me check that for you.")]
    only_a_call = rejected(records)["line 2"]
    assert only_a_call.field == "messages" and "no user and assistant text exchange" in only_a_call.reason


# --- email ----------------------------------------------------------------------------------------------------------

def test_email_folder_is_threaded_into_tickets() -> None:
    records = read(EmailImporter(), FILES / "mail")
    assert kinds(records) == Counter({"Ticket": 2})  # 5 emails, 2 conversations
    tent = by_id(records)["email:q1.dana@customer.example"]
    assert isinstance(tent, Ticket)
    assert tent.subject == "Tent pole snapped" and tent.channel == "email"
    assert bodies(tent) == [
        (Role.customer, "Hi,\n\nOne pole of my Summit 2 tent snapped on the first night. Can you send a replacement?"),
        (Role.agent, "Hi Dana,\n\nSorry about that! A replacement pole ships today, no need to return the broken one."),
        (Role.customer, "It arrived, merci beaucoup! The café near the trailhead says hi."),
    ]
    assert [m.author for m in tent.messages] == ["Dana Reyes", "Jake Moreno", "Dana Reyes"]
    assert {(p.email, p.role) for p in tent.participants} == {
        ("dana@customer.example", Role.customer), ("jake@trailhead-outfitters.example", Role.agent),
        ("help@trailhead-outfitters.example", Role.agent)}
    assert str(tent.created_at) == "2024-05-06 09:15:00-06:00" and str(tent.updated_at) == "2024-05-07 08:00:00-06:00"


def test_email_without_thread_headers_joins_by_subject_and_notes_bad_bytes() -> None:
    gift = by_id(read(EmailImporter(), FILES / "mail"))["email:g1.sam@customer.example"]
    assert isinstance(gift, Ticket)
    assert bodies(gift)[1] == (Role.agent, "Hi Sam, enter the card number on our gift card page to see the balance.")
    assert "\ufffd" in gift.messages[0].body
    assert gift.metadata["decode_notes"] == ["body not valid utf-8: undecodable bytes replaced by U+FFFD"]


def test_email_support_addresses_decide_the_roles() -> None:
    only_jake = read(EmailImporter({"support_addresses": ["jake@trailhead-outfitters.example"]}), FILES / "mail")
    gift = by_id(only_jake)["email:g1.sam@customer.example"]
    assert [m.role for m in gift.messages] == [Role.customer, Role.customer]  # type: ignore[union-attr]
    domain = read(EmailImporter({"support_addresses": ["@trailhead-outfitters.example"]}), FILES / "mail")
    assert [m.role for m in by_id(domain)["email:g1.sam@customer.example"].messages] == [  # type: ignore[union-attr]
        Role.customer, Role.agent]


def test_email_mbox_bad_message_is_rejected_and_replies_threaded() -> None:
    records = read(EmailImporter({"source_name": "inbox"}), FILES / "inbox.mbox")
    assert kinds(records) == Counter({"Ticket": 1, "Rejected": 1})
    assert rejected(records)["message 2"].reason.startswith("not an email")
    boots = by_id(records)["inbox:m1.dana@customer.example"]
    assert [m.role for m in boots.messages] == [Role.customer, Role.agent]  # type: ignore[union-attr]


def test_email_garbage_empty_and_quote_only_files(tmp_path: Path) -> None:
    (tmp_path / "garbage.eml").write_bytes(b"\x00\xff\xfe not an email at all \x80\x81")
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "quote.eml").write_bytes(b"From: a@customer.example\nMessage-ID: <z@customer.example>\n\n> old\n")
    records = read(EmailImporter(), tmp_path / "empty.eml", tmp_path / "garbage.eml", tmp_path / "quote.eml")
    assert [(Path(r.source_file).name, r.locator) for r in records] == [  # type: ignore[union-attr]
        ("empty.eml", "file"), ("garbage.eml", "file"), ("quote.eml", "thread z@customer.example")]


def test_email_names_in_rfc822_comments_are_kept() -> None:
    """`From: jane.doe@customer.example (Jane Doe)`: the name in the comment is the author's name."""
    stove = by_id(read(EmailImporter(), FILES / "mail_comment_names"))["email:c1.jane@customer.example"]
    assert isinstance(stove, Ticket)
    assert [m.author for m in stove.messages] == ["Jane Doe", "Omar Haddad", "Jane Doe", "René Dupont"]
    assert [(p.name, p.email) for p in stove.participants] == [
        ("Jane Doe", "jane.doe@customer.example"), ("Omar Haddad", "omar@acme-outdoor.example"),
        ("René Dupont", "rene@acme-outdoor.example"), ("Acme Support", "help@acme-outdoor.example")]


def test_email_quoted_headers_in_comment_form_are_stripped_as_history() -> None:
    """Outlook-style quoted header blocks whose From line is `address (Name)` still cut the quoted history."""
    stove = by_id(read(EmailImporter(), FILES / "mail_comment_names"))["email:c1.jane@customer.example"]
    assert isinstance(stove, Ticket)
    assert bodies(stove)[1:3] == [
        (Role.agent, "Hi Jane,\n\nClean the jet with the pin stored in the lid, then it lights again."),
        (Role.customer, "That worked, thank you! Is there a spare pin I can order?"),
    ]


@pytest.mark.parametrize("name", ["android", "apple_mail", "comcast", "gmail", "hotmail", "thunderbird", "yahoo"])
def test_email_real_talon_replies_import_with_the_reply_only(shared_data: Path, name: str) -> None:
    records = read(EmailImporter(), shared_data / "emails" / "talon_standard_replies" / f"{name}.eml")
    assert len(records) == 1 and isinstance(records[0], Ticket)
    assert bodies(records[0]) == [(Role.customer, "Hello")]
    assert records[0].subject == "Test"


def test_email_real_helpscout_message(shared_data: Path) -> None:
    records = read(EmailImporter(), shared_data / "emails" / "helpscout_raw")
    ticket = records[0]
    assert len(records) == 1 and isinstance(ticket, Ticket)
    assert ticket.external_id == "CAOED0cxvvDSHOV6v2nYKKD_SovaSZ6G5xYDY77KWaxoRj+9mnA@mail.gmail.com"
    assert (ticket.subject, bodies(ticket)) == ("Pizza is awesome", [(Role.customer, "I love pizza parties")])
    assert ticket.participants[0].name == "Customer A"


# --- kb -------------------------------------------------------------------------------------------------------------

def test_kb_folder_of_markdown_and_html() -> None:
    records = read(KbImporter(), FILES / "kb")
    articles = by_id(records)
    assert sorted(articles) == ["kb:returns", "kb:shipping/international", "kb:warranty"]
    returns = articles["kb:returns"]
    assert isinstance(returns, Article)
    assert (returns.title, returns.category, returns.tags) == ("Returns and exchanges", "returns",
                                                               ["returns", "exchanges"])
    assert returns.url == "https://trailhead-outfitters.example/help/returns"
    assert "**30 days**" in returns.body and returns.metadata == {"audience": "customers"}
    assert str(returns.updated_at) == "2024-04-01 00:00:00+00:00"
    shipping = articles["kb:shipping/international"]
    assert shipping.title == "International shipping" and shipping.body.startswith("We ship to Canada")  # type: ignore[union-attr]
    warranty = articles["kb:warranty"]
    assert warranty.title == "Warranty"  # type: ignore[union-attr]
    assert "lifetime warranty" in warranty.body  # type: ignore[union-attr]
    assert "full terms (https://trailhead-outfitters.example/warranty)" in warranty.body  # type: ignore[union-attr]
    assert "trackPageView" not in warranty.body and "color" not in warranty.body  # type: ignore[union-attr]
    assert rejected(records)["file"].field == "front_matter"


def test_kb_files_given_one_by_one_keep_folder_relative_ids() -> None:
    files = [FILES / "kb" / "returns.md", FILES / "kb" / "shipping" / "international.md"]
    assert sorted(by_id(read(KbImporter(), *files))) == ["kb:returns", "kb:shipping/international"]
    assert list(by_id(read(KbImporter({"root": str(FILES)}), files[1]))) == ["kb:kb/shipping/international"]


def test_kb_freshdesk_fixture_keeps_drafts_and_rejects_bad_elements() -> None:
    records = read(KbImporter(), FILES / "solution_articles.json")
    articles = by_id(records)
    assert articles["freshdesk:101"].body == "Rinse with cold water.\n\n- No soap\n- Air dry"  # type: ignore[union-attr]
    assert articles["freshdesk:101"].metadata == {"folder_id": 7, "category_id": 3, "status": "published"}
    assert articles["freshdesk:102"].metadata["status"] == "draft"
    assert rejected(records)["articles[2]"].field == "title"


def test_kb_real_freshdesk_solution_articles(shared_data: Path) -> None:
    folder = shared_data / "helpdesk_payloads" / "freshdesk"
    records = read(KbImporter(), folder / "solution_articles.json", folder / "solution_articles_fr.json")
    articles = by_id(records)
    assert sorted(articles) == ["freshdesk:4", "freshdesk:4/fr", "freshdesk:5", "freshdesk:5/fr"]
    account = articles["freshdesk:4"]
    assert isinstance(account, Article)
    assert account.title == "Changing account details" and account.tags == ["foo", "bar"]
    assert "\n1. Select account details from the menu bar.\n2. Click edit icon" in account.body  # an <ol>
    assert articles["freshdesk:5"].metadata["status"] == "draft"
    account_fr = articles["freshdesk:4/fr"]
    assert isinstance(account_fr, Article)
    assert account_fr.title == "Modifier les détails du compte"
    assert account_fr.metadata["language"] == "fr"
    assert not KbImporter.sniff(folder / "ticket_1.json", read_head(folder / "ticket_1.json"))


def test_kb_plain_text_is_markdown_and_other_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "hours.txt").write_text("Open 9 to 5, Monday to Friday.", encoding="utf-8")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    records = read(KbImporter(), tmp_path / "hours.txt", tmp_path / "logo.png")
    assert [r.title if isinstance(r, Article) else r.locator for r in records] == ["hours", "file"]  # type: ignore[union-attr]


def test_kb_non_utf8_file_is_rejected_naming_the_line() -> None:
    records = read(KbImporter(), FILES / "latin1.md")
    assert [(r.locator, r.field) for r in records] == [("line 1", "encoding")]  # type: ignore[union-attr]
    assert read(KbImporter({"encoding": "latin-1"}), FILES / "latin1.md")[0].title == "Café hours"  # type: ignore[union-attr]
