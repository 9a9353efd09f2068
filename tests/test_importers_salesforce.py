"""The `salesforce` importer: Service Cloud Cases with CaseComments and EmailMessages, from a CSV export (folder or
Data Export zip) and from REST API query JSON; bad rows and records quarantined; a round trip to training files."""

from __future__ import annotations

import json
import random
import shutil
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tunedesk.errors import ConfigError
from tunedesk.ingest.importers import detect_format, get_importer
from tunedesk.ingest.importers.base import read_head
from tunedesk.ingest.importers.salesforce import SalesforceImporter
from tunedesk.ingest.importers.salesforce_case import sf_id
from tunedesk.ingest.importers.salesforce_csv import table_kind
from tunedesk.models.base import ModelError
from tunedesk.records import ImportedRecord, Rejected, Role, Ticket

FIXTURES = Path(__file__).parent / "fixtures"
SF = FIXTURES / "salesforce"
CSAT = {"csat_field": "CSAT__c"}


def read(*paths: Path, **options: Any) -> list[ImportedRecord]:
    return list(SalesforceImporter(options).read_files(list(paths)))


def tickets(records: list[ImportedRecord]) -> dict[str, Ticket]:
    return {r.external_id: r for r in records if isinstance(r, Ticket)}


def rejected(records: list[ImportedRecord]) -> dict[tuple[str, str], Rejected]:
    return {(Path(r.source_file).name, r.locator): r for r in records if isinstance(r, Rejected)}


def thread(ticket: Ticket) -> list[tuple[Role, bool, str]]:
    """Role, public flag and the first 30 characters of each message."""
    return [(m.role, m.public, m.body[:30]) for m in ticket.messages]


@pytest.fixture
def export_zip(tmp_path: Path) -> Path:
    """The CSV export as the weekly Data Export ships it: a zip with other objects beside the case tables."""
    target = tmp_path / "WE_00D000000000001_1.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for csv_file in sorted((SF / "export").glob("*.csv")):
            archive.write(csv_file, csv_file.name)
        archive.writestr("Account.csv", '"Id","Name"\n"0013000000AbC45AAF","Trailhead customer"\n')
    return target


# ---------------------------------------------------------------- registry and sniffing


def test_registered_and_every_fixture_detected(export_zip: Path) -> None:
    assert get_importer("salesforce") is SalesforceImporter
    files = [*sorted((SF / "export").glob("*.csv")), *sorted((SF / "api").glob("*.json")), export_zip]
    assert {f.name: detect_format(f) for f in files} == {f.name: "salesforce" for f in files}


def test_sniff_leaves_other_formats_alone() -> None:
    others = [FIXTURES / "files" / name for name in ("support.csv", "bad.csv", "threads.csv", "chat.jsonl",
                                                       "solution_articles.json")]
    others += sorted((FIXTURES / "api").rglob("*.json"))[:6]
    assert others and not [f.name for f in others if SalesforceImporter.sniff(f, read_head(f))]
    assert detect_format(FIXTURES / "files" / "support.csv") == "csv"


def test_15_character_ids_get_their_case_safe_suffix() -> None:
    assert sf_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # Salesforce's documented example
    assert sf_id("5003000000D8cuIAAR") == "5003000000D8cuIAAR" and sf_id(" ") is None


# ---------------------------------------------------------------- the CSV export


def test_csv_export_threads_each_case_with_its_emails_and_comments() -> None:
    records = read(SF / "export", **CSAT)
    assert Counter(type(r).__name__ for r in records) == Counter({"Ticket": 3})
    tent = tickets(records)["5003000000D8cuIAAR"]
    assert tent.id == "salesforce:5003000000D8cuIAAR"
    assert thread(tent) == [
        (Role.customer, True, "Hi,\nI bought a Summit 2 tent t"),  # the first email, not the Description too
        (Role.note, False, "Customer is a repeat buyer, ap"),  # IsPublished false
        (Role.agent, True, "Hi Dana,\n\nYes, you can: return"),  # HtmlBody → text
        (Role.customer, True, "Got the label, thank you!"),  # quoted history removed
        (Role.note, False, "Draft: glad it worked out!"),  # Status 5: never sent
    ]
    assert (tent.subject, tent.category, tent.status, tent.channel, tent.csat) == (
        "Return of Summit 2 tent", "Returns", "closed", "email", 5.0)
    assert str(tent.created_at) == "2024-05-06 15:15:00+00:00" and str(tent.updated_at) == "2024-05-07 16:00:00+00:00"
    assert tent.metadata["case_number"] == "00001001" and tent.metadata["internal_notes"] == 2
    assert {(p.email, p.role) for p in tent.participants} == {
        ("dana.reyes@customer.example", Role.customer), ("help@trailhead-outfitters.example", Role.agent)}


def test_csv_description_category_fallback_and_short_parent_ids() -> None:
    found = tickets(read(SF / "export", **CSAT))
    canada = found["5003000000D8cuJAAR"]
    assert [m.role for m in canada.messages] == [Role.customer, Role.agent]
    assert canada.messages[0].body == "Do you ship to Canada, and how long does it take?"
    assert (canada.category, canada.csat) == ("Shipping", 4.0)  # Type empty: Reason
    assert [(p.name, p.role) for p in canada.participants] == [("Sam Carter", Role.customer)]
    stove = found["5003000000D8cuKAAR"]  # its comments name the case by the 15-character id
    assert [m.role for m in stove.messages] == [Role.customer, Role.agent, Role.note]
    assert stove.metadata["is_escalated"] is True and stove.csat is None


def test_csat_only_from_the_named_field_and_portal_users_write_as_the_customer() -> None:
    plain = tickets(read(SF / "export", customer_user_ids=["0053000000AgT02"]))
    assert {t.csat for t in plain.values()} == {None}
    assert [m.role for m in plain["5003000000D8cuJAAR"].messages] == [Role.customer, Role.customer]


def test_data_export_zip_reads_like_the_folder(export_zip: Path) -> None:
    from_zip = read(export_zip, **CSAT)
    assert [r.model_dump() for r in from_zip] == [r.model_dump() for r in read(SF / "export", **CSAT)]
    broken = export_zip.with_name("broken.zip")
    broken.write_bytes(export_zip.read_bytes()[:200])
    (only,) = read(broken)
    assert isinstance(only, Rejected) and only.locator == "file"


def test_zip_members_name_the_quarantined_row(tmp_path: Path) -> None:
    target = tmp_path / "export.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.write(SF / "bad" / "Case.csv", "Case.csv")
    bad = rejected(read(target))
    assert bad[("Case.csv", "row 3")].source_file == f"{target}!/Case.csv"
    assert bad[("Case.csv", "row 3")].field == "CreatedDate"


# A full Case extract (Data Loader "select all fields", Data Export) has Case.ParentId, the parent case, and writes
# empty lookups as the null id 000000000000000AAA; its other objects sit beside the case tables.
FULL_CASE = (
    '"Id","IsDeleted","CaseNumber","ContactId","AccountId","ParentId","Type","Status","Origin","Subject",'
    '"Description","OwnerId","CreatedDate"\n'
    '"5003000000D8cuSAAR","0","00001010","000000000000000AAA","0013000000AbC45AAF","000000000000000AAA","Question",'
    '"New","Web","Stove will not light","My stove will not light since Monday.","0053000000AgT01AAF",'
    '"2024-05-06 15:15:00"\n'
    '"5003000000D8cuTAAR","0","00001011","0033000000XyZ12","","5003000000D8cuSAAR","Question","New","Phone",'
    '"Same stove, second unit","The second stove is broken too.","0053000000AgT01AAF","2024-05-07 09:00:00"\n'
)
EMAILS_WITHOUT_CASE = (
    '"Id","ParentId","RelatedToId","FromAddress","ToAddress","Incoming","Status","MessageDate","TextBody"\n'
    '"02s3000000Em101AAB","000000000000000AAA","0068a00001LlX9EAAV","jo@shop.example","a@customer.example","0","3",'
    '"2024-05-06 16:00:00","Quote attached."\n'
    '"02s3000000Em102AAB","000000000000000","","a@customer.example","jo@shop.example","1","1",'
    '"2024-05-06 17:00:00","Thanks!"\n'
    '"02s3000000Em103AAB","5003000000D8cuS","","jo@shop.example","a@customer.example","0","3",'
    '"2024-05-06 18:00:00","Please try a new igniter."\n'
)
OTHER_OBJECTS = {
    "Account.csv": '"Id","IsDeleted","Name","ParentId","Type"\n"0013000000AbC45AAF","0","Acme","",""\n',
    "Task.csv": '"Id","WhatId","WhoId","Subject","Status","Priority"\n"00T3000000Tk001","","","Call","Open","Normal"\n',
    "Attachment.csv": '"Id","ParentId","Name","Body"\n"00P3000000At001","5003000000D8cuSAAR","a.png","x"\n',
}


def test_a_full_case_extract_with_parentid_is_a_case_table(tmp_path: Path) -> None:
    (tmp_path / "extract.csv").write_text(FULL_CASE, encoding="utf-8")
    assert detect_format(tmp_path / "extract.csv") == "salesforce"
    found = tickets(read(tmp_path / "extract.csv"))
    assert sorted(found) == ["5003000000D8cuSAAR", "5003000000D8cuTAAR"]
    assert (found["5003000000D8cuTAAR"].channel, found["5003000000D8cuTAAR"].status) == ("phone", "new")
    export = tmp_path / "WE_00D000000000001_1.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("Case.csv", FULL_CASE)
        archive.writestr("Account.csv", OTHER_OBJECTS["Account.csv"])
    assert detect_format(export) == "salesforce"
    assert sorted(tickets(read(export))) == sorted(found)


@pytest.mark.parametrize(("header", "kind"), [
    ("Id,CaseNumber,ParentId,Subject,Status", "Case"),
    ("ID,PARENTID,SUBJECT,STATUS,ORIGIN", "Case"),  # no CaseNumber, but Origin only a Case has
    ("Id,Subject,Status", "Case"),
    ("Id,ParentId,Subject,Status,TextBody", "EmailMessage"),
    ("Id,ParentId,IsPublished,CommentBody", "CaseComment"),
    ("Id,ParentId,Subject,Status", None),  # an EmailMessage without its bodies is no Case
    ("Id,WhatId,WhoId,Subject,Status,Priority", None),  # a Task
    ("Id,ParentId,Name,Body", None),  # an Attachment
])
def test_tables_are_known_by_their_own_columns(header: str, kind: str | None) -> None:
    assert table_kind(header) == kind


def test_the_null_id_of_an_empty_lookup_is_no_parent(tmp_path: Path) -> None:
    case = ('"Id","CaseNumber","ContactId","Subject","Description","CreatedDate"\n"5003000000D8cuSAAR","00001010",'
            '"000000000000000AAA","Stove will not light","My stove will not light since Monday.",'
            '"2024-05-06 15:15:00"\n')
    (tmp_path / "Case.csv").write_text(case, encoding="utf-8")
    (tmp_path / "EmailMessage.csv").write_text(EMAILS_WITHOUT_CASE, encoding="utf-8")
    records = read(tmp_path)
    bad = rejected(records)
    assert sorted(bad) == [("EmailMessage.csv", "row 2"), ("EmailMessage.csv", "row 3")]
    assert {r.field for r in bad.values()} == {"ParentId"}
    assert all(r.reason.startswith("an EmailMessage without a ParentId") and "null id" in r.reason
               for r in bad.values())
    stove = tickets(records)["5003000000D8cuSAAR"]
    assert [m.body for m in stove.messages] == ["My stove will not light since Monday.", "Please try a new igniter."]
    assert stove.messages[0].author is None and "contact_id" not in stove.metadata
    assert sf_id("000000000000000AAA") is None and sf_id("000000000000000") is None
    assert len(records) == 3  # one case, two emails of no case: nothing left over as "Case 000000000000000AAA"


def test_a_folder_passes_over_other_objects_but_rejects_a_broken_case_table(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Case.csv").write_text(FULL_CASE, encoding="utf-8")
    for name, content in OTHER_OBJECTS.items():
        (folder / name).write_text(content, encoding="utf-8")
    broken = '"Id","CaseId","CommentBody"\n"00a3000000Cm009AAB","5003000000D8cuSAAR","Called back."\n'
    (folder / "CaseComment.csv").write_text(broken, encoding="utf-8")
    records = read(folder)
    assert sorted(tickets(records)) == ["5003000000D8cuSAAR", "5003000000D8cuTAAR"]
    assert sorted(rejected(records)) == [("CaseComment.csv", "file")]
    assert "not a Salesforce Case, CaseComment" in rejected(records)[("CaseComment.csv", "file")].reason
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    from_zip = read(export)
    assert [(type(r).__name__, Path(r.source_file).name if isinstance(r, Rejected) else r.id) for r in from_zip] == [
        (type(r).__name__, Path(r.source_file).name if isinstance(r, Rejected) else r.id) for r in records]
    one_by_one = read(*sorted(folder.iterdir()))  # as `tunedesk ingest export/ --format salesforce` hands them over
    assert [r.model_dump() for r in one_by_one] == [r.model_dump() for r in records]
    others = tmp_path / "accounts"  # no case table beside it: Account.csv is a mistake, not an export's other object
    others.mkdir()
    (others / "Account.csv").write_text(OTHER_OBJECTS["Account.csv"], encoding="utf-8")
    (only,) = read(others)
    assert isinstance(only, Rejected) and (Path(only.source_file).name, only.locator) == ("Account.csv", "file")


# ---------------------------------------------------------------- REST API JSON


def test_api_query_with_embedded_and_separately_queried_children() -> None:
    records = read(SF / "api" / "cases.json", SF / "api" / "comments.json", **CSAT)
    found = tickets(records)
    assert len(records) == 2 and sorted(found) == ["5003000000D8cuLAAR", "5003000000D8cuMAAR"]
    zipper = found["5003000000D8cuLAAR"]
    assert thread(zipper) == [
        (Role.customer, True, "The zipper of my Aurora sleepi"),
        (Role.agent, True, "Hi Lee, zippers are covered by"),
        (Role.note, False, "Repair kit stock is low, check"),
    ]
    assert (zipper.category, zipper.csat, zipper.channel) == ("Product Defect", 5.0, "chat")
    assert str(zipper.created_at) == "2024-05-10 08:00:00+00:00"
    assert {(p.name, p.role) for p in zipper.participants} == {("Lee Park", Role.customer),
                                                               ("Jake Moreno", Role.agent)}
    gift = found["5003000000D8cuMAAR"]  # its note comes from comments.json, by a 15-character ParentId
    assert [m.role for m in gift.messages] == [Role.customer, Role.note, Role.agent]
    assert gift.messages[2].body == "Hi Ana,\n\nEnter the card number on our gift card page to see the balance."


def test_a_query_without_incoming_reads_the_direction_from_the_addresses(tmp_path: Path) -> None:
    # A SOQL query need not select EmailMessage.Incoming, nor CaseComment.CreatedById (only CreatedBy.Name).
    def email(n: int, sender: str, to: str, body: str) -> dict[str, Any]:
        return {"attributes": {"type": "EmailMessage"}, "Id": f"02s30000000Em0{n}AAA", "FromAddress": sender,
                "ToAddress": to, "TextBody": body, "MessageDate": f"2024-05-1{n}T08:00:00.000+0000"}

    def case(n: int, contact: str | None, emails: list[dict[str, Any]]) -> dict[str, Any]:
        return {"attributes": {"type": "Case"}, "Id": f"5003000000D8cu{n}AAR", "Subject": "Stove",
                "SuppliedEmail": contact, "CreatedDate": "2024-05-10T08:00:00.000+0000",
                "EmailMessages": {"totalSize": len(emails), "done": True, "records": emails},
                "CaseComments": {"totalSize": 1, "done": True, "records": [
                    {"attributes": {"type": "CaseComment"}, "ParentId": f"5003000000D8cu{n}AAR", "IsPublished": True,
                     "CreatedBy": {"attributes": {"type": "User"}, "Name": "Jo Rivera"},
                     "CreatedDate": "2024-05-19T08:00:00.000+0000", "CommentBody": "Closing this one."}]}}

    sam = "sam.lee@customer.example"
    shop = "support@trailhead-outfitters.example"
    records = [case(1, sam, [email(1, sam, shop, "My stove arrived dented."),
                             email(2, shop, f"Sam Lee <{sam}>", "Sorry! A new one ships today.")]),
               case(2, None, [email(3, "x@customer.example", shop, "Is it waterproof?")])]
    (tmp_path / "query.json").write_text(json.dumps({"totalSize": 2, "done": True, "records": records}))
    found = read(tmp_path / "query.json")
    stove = tickets(found)["5003000000D8cu1AAR"]
    assert [(m.role, m.author) for m in stove.messages] == [(Role.customer, sam), (Role.agent, shop),
                                                            (Role.agent, "Jo Rivera")]
    (unknown,) = rejected(found).values()  # no contact on the case: the direction cannot be told
    assert unknown.field == "Incoming" and "neither FromAddress nor ToAddress" in unknown.reason


def test_a_bare_list_or_a_single_record_reads_too(tmp_path: Path) -> None:
    query = json.loads((SF / "api" / "cases.json").read_text(encoding="utf-8"))
    (tmp_path / "list.json").write_text(json.dumps(query["records"][:1]), encoding="utf-8")
    (tmp_path / "one.json").write_text(json.dumps(query["records"][1]), encoding="utf-8")
    found = tickets(read(tmp_path / "list.json", tmp_path / "one.json"))
    assert sorted(found) == ["5003000000D8cuLAAR", "5003000000D8cuMAAR"]
    assert [m.role for m in found["5003000000D8cuMAAR"].messages] == [Role.customer, Role.agent]


def test_children_without_their_case_are_one_rejection_per_case() -> None:
    records = read(SF / "api" / "comments.json")
    (only,) = records
    assert isinstance(only, Rejected) and only.locator == "case 5003000000D8cuMAAR"
    assert "Case is not in the files read" in only.reason


# ---------------------------------------------------------------- bad input


def test_bad_rows_and_records_are_quarantined_and_the_rest_imported() -> None:
    records = read(SF / "bad", **CSAT)
    assert sorted(tickets(records)) == ["5003000000D8cuNAAR"]
    bad = rejected(records)
    expected = {
        ("Case.csv", "row 3"): ("CreatedDate", "not a date/time: 'yesterday'"),
        ("Case.csv", "row 4"): ("Id", "missing required field"),
        ("Case.csv", "row 5"): ("Incoming", "EmailMessage.csv row 2: expected true or false"),
        ("Case.csv", "row 6"): ("CSAT__c", "CSAT 9 is outside the 1–5 scale"),
        ("Case.csv", "row 7"): (None, "row has 2 fields, the header has 9"),
        ("CaseComment.csv", "row 3"): ("ParentId", "a CaseComment without a ParentId cannot be jo"),
        ("CaseComment.csv", "case 5003000000D8cuRAAR"): (None, "1 CaseComment/EmailMessage record(s) of Case "),
        ("query.json", "records[0]"): (None, "not a Case, CaseComment or EmailMessage (attri"),
        ("query.json", "records[1]"): ("CreatedDate", "not a date/time: '2024-13-45T99:00:00.000+0000"),
        ("query.json", "records[2]"): ("ParentId", "a CaseComment without a ParentId"),
        ("truncated.json", "file"): (None, "broken JSON at line 1 column 83: Unterminated"),
    }
    assert sorted(bad) == sorted(expected)
    assert {key: (r.field, r.reason[:len(expected[key][1])]) for key, r in bad.items()} == expected
    assert all(r.raw for r in rejected(records).values() if r.locator != "file")


def test_files_that_are_not_case_tables_are_one_rejection_each(tmp_path: Path) -> None:
    (tmp_path / "Account.csv").write_text('"Id","Name"\n"001","Acme"\n', encoding="utf-8")
    (tmp_path / "empty.json").write_text("", encoding="utf-8")
    (tmp_path / "lines.json").write_text('{"Id": "1"}\n{"Id": "2"}\n', encoding="utf-8")
    records = read(tmp_path / "Account.csv", tmp_path / "empty.json", tmp_path / "gone.csv", tmp_path / "lines.json")
    assert [(Path(r.source_file).name, r.locator) for r in records] == [  # type: ignore[union-attr]
        ("Account.csv", "file"), ("gone.csv", "file"), ("empty.json", "file"), ("lines.json", "file")]


def test_unknown_options_and_codecs_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="colour"):
        SalesforceImporter({"colour": "blue"})
    with pytest.raises(ConfigError, match="encoding"):
        SalesforceImporter({"encoding": "no-such-codec"})


def test_importing_twice_gives_identical_records() -> None:
    paths = [SF / "export", SF / "api", SF / "bad"]
    assert [r.model_dump() for r in read(*paths)] == [r.model_dump() for r in read(*paths)]


@pytest.mark.parametrize("seed", range(30))
def test_garbled_exports_never_crash_and_name_every_rejection(seed: int, tmp_path: Path) -> None:
    from test_importers_fuzz import mutate

    rng = random.Random(seed)
    source = rng.choice([*sorted((SF / "export").glob("*.csv")), SF / "api" / "cases.json"])
    folder = tmp_path / "export"
    shutil.copytree(SF / "export", folder)
    (folder / source.name).write_bytes(mutate(source.read_bytes(), "document", rng.choice([None, 7, "x", {}]), rng))
    records = read(folder)
    assert records and all(isinstance(r, Ticket | Rejected) for r in records)
    assert all(r.reason and r.locator for r in records if isinstance(r, Rejected))


# ---------------------------------------------------------------- ingest → clean → build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The CSV export and the API JSON through ingest, clean and build, in a fresh workspace."""
    from tunedesk.build import stage as build
    from tunedesk.clean import stage as clean
    from tunedesk.ingest import stage as ingest
    from tunedesk.scaffold import init_workspace
    from tunedesk.workspace import Workspace

    root = tmp_path_factory.mktemp("salesforce") / "ws"
    init_workspace(root)
    ws = Workspace.open(root, ["clean.single_exchange=false"])
    with pytest.MonkeyPatch.context() as patch:  # token counts for the card need transformers: not this test's subject
        patch.setattr(build, "load_tokenizer", _no_tokenizer)
        ingested = ingest.run(ws, [SF / "export", SF / "api", SF / "bad"], options=CSAT).as_dict()
        cleaned = clean.run(ws)
        summary = build.run(ws).as_dict()
    yield {"ws": ws, "ingest": ingested, "clean": cleaned, "build": summary}


def _no_tokenizer(name: str) -> Any:
    raise ModelError("tokenizer not loaded in this test")


def test_round_trip_accounts_for_every_case(built: dict[str, Any]) -> None:
    summary = built["ingest"]
    assert summary["by_format"]["salesforce"] == {"in": 17, "tickets": 6, "articles": 0, "quarantined": 11}
    assert summary["in"] == summary["tickets"]["new"] + summary["quarantined"]
    assert built["ws"].store.count("quarantine") == 11


def test_round_trip_builds_examples_without_notes_or_names(built: dict[str, Any]) -> None:
    assert built["clean"].stripped["notes_removed"] == 5
    paths = built["build"]["paths"]
    rows = [json.loads(line) for split in ("train", "val", "holdout")
            for line in Path(paths[split]).read_text(encoding="utf-8").splitlines()]
    assert {r["ticket_id"] for r in rows} >= {"salesforce:5003000000D8cuIAAR", "salesforce:5003000000D8cuLAAR"}
    text = json.dumps(rows)
    for private in ("repeat buyer", "warehouse first", "Draft: glad", "supplier, batch"):  # internal notes, a draft
        assert private not in text
    assert "Dana" not in text and "Reyes" not in text  # a participant's name is redacted
    tent = next(r for r in rows if r["ticket_id"] == "salesforce:5003000000D8cuIAAR")
    assert "returns are free within 30 days" in tent["messages"][-1]["content"]
