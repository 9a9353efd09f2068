"""The knowledge-base source importers `confluence`, `notion`, `sharepoint` and `docs`: own fixtures written from
the vendors' published export formats, sniffing, broken input, and a round trip into the KB the server retrieves."""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tunedesk.errors import IngestError
from tunedesk.ingest.importers import detect_format, get_importer, names
from tunedesk.ingest.importers.base import Importer
from tunedesk.ingest.importers.confluence import ConfluenceImporter
from tunedesk.ingest.importers.confluence_xml import storage_text
from tunedesk.ingest.importers.docs import DocsImporter
from tunedesk.ingest.importers.notion import NotionImporter
from tunedesk.ingest.importers.sharepoint import SharePointImporter
from tunedesk.records import Article, ImportedRecord, Rejected

FIXTURES = Path(__file__).parent / "fixtures" / "kb_sources"
NOTION = FIXTURES / "notion"
HELP = NOTION / "Help Center 8f2b6c1e4a3d4f7b9c0d1e2f3a4b5c6d"
FAQ = "FAQ 1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6"


def read(importer: Importer, *paths: Path) -> list[ImportedRecord]:
    return list(importer.read_files(list(paths)))


def articles(records: list[ImportedRecord]) -> dict[str, Article]:
    return {r.id: r for r in records if isinstance(r, Article)}


def rejected(records: list[ImportedRecord]) -> dict[str, Rejected]:
    return {r.locator: r for r in records if isinstance(r, Rejected)}


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    """The folder as a zip, as the vendor's export download gives it."""
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(file, prefix + file.relative_to(folder).as_posix())
    return target


def make_pdf(pages: list[str], outline: list[tuple[str, int]] = (), title: str | None = None) -> bytes:  # type: ignore[assignment]
    """A small text PDF written by hand (Helvetica, one text line per line), with an outline added by pypdf."""
    from pypdf import PdfReader, PdfWriter

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{' '.join(f'{4 + 2 * i} 0 R' for i in range(len(pages)))}] "
               f"/Count {len(pages)} >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, text in enumerate(pages):
        lines = " ".join(f"({line.replace('(', '').replace(')', '')}) Tj T*" for line in text.split("\n"))
        stream = f"BT /F1 12 Tf 72 720 Td 14 TL {lines} ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
                       f" /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream".encode())
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out)))
    for entry, page in outline:
        parent = writer.add_outline_item(title=entry, page_number=page)
        # a child entry, which must not split the section
        writer.add_outline_item(title=f"{entry} (detail)", page_number=page, parent=parent)
    if title:
        writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


MANUAL = ["Summit stove manual\nRead this first.", "Lighting\nOpen the valve half a turn and light the burner.",
          "Lighting the stove in wind needs the windscreen.", "Storage\nStore the canister below 50 C."]


# --- registry and sniffing -----------------------------------------------------------------------------------------

def test_the_four_importers_are_registered() -> None:
    assert {"confluence", "notion", "sharepoint", "docs"} <= set(names())
    assert get_importer("confluence") is ConfluenceImporter and get_importer("docs") is DocsImporter
    assert get_importer("notion") is NotionImporter and get_importer("sharepoint") is SharePointImporter


@pytest.mark.parametrize(("path", "expected"), [
    ("confluence_html/Returns-policy_98305.html", "confluence"),
    ("confluence_xml/entities.xml", "confluence"),
    (f"notion/Help Center 8f2b6c1e4a3d4f7b9c0d1e2f3a4b5c6d/{FAQ}.csv", "notion"),
    ("notion/Help Center 8f2b6c1e4a3d4f7b9c0d1e2f3a4b5c6d.md", "notion"),
    ("sharepoint/site_pages.json", "sharepoint"),
    ("sharepoint/Tent-care.aspx", "sharepoint"),
    ("sharepoint/Boot-sizing.html", "sharepoint"),
    ("docs/guide/cleaning.html", "kb"),  # plain HTML stays with kb unless the source names `docs`
    ("docs/guide/getting-started.md", "kb"),
])
def test_formats_are_recognised(path: str, expected: str) -> None:
    assert detect_format(FIXTURES / path) == expected


def test_existing_kb_and_csv_files_are_not_claimed() -> None:
    files = Path(__file__).parent / "fixtures" / "files"
    assert detect_format(files / "kb" / "warranty.html") == "kb"
    assert detect_format(files / "kb" / "returns.md") == "kb"
    assert detect_format(files / "solution_articles.json") == "kb"


def test_zips_and_pdfs_are_recognised(tmp_path: Path) -> None:
    assert detect_format(zip_folder(FIXTURES / "confluence_html", tmp_path / "TH-html.zip")) == "confluence"
    assert detect_format(zip_folder(FIXTURES / "confluence_xml", tmp_path / "TH-xml.zip")) == "confluence"
    assert detect_format(zip_folder(NOTION, tmp_path / "Export-1b2c.zip")) == "notion"
    (tmp_path / "manual.pdf").write_bytes(make_pdf(MANUAL[:1]))
    assert detect_format(tmp_path / "manual.pdf") == "docs"


# --- confluence ------------------------------------------------------------------------------------------------------

def test_confluence_html_pages_without_chrome() -> None:
    records = read(ConfluenceImporter(), FIXTURES / "confluence_html")
    found = articles(records)
    assert sorted(found) == ["confluence:98305", "confluence:98306"]  # no index.html, no attachment
    returns = found["confluence:98305"]
    assert returns.title == "Returns policy"  # from the page, the space name taken off
    assert returns.body.startswith("Unworn items can be returned within 30 days")
    assert "Return shipping is free for members." in returns.body and "- Keep the original tags on." in returns.body
    for chrome in ("Document generated", "Atlassian", "Attachments", "label.png", "Created by", "Trailhead Help"):
        assert chrome not in returns.body
    child = found["confluence:98306"]
    assert child.category == "Returns policy" and child.metadata["breadcrumbs"] == ["Returns policy"]
    assert child.updated_at is not None and child.updated_at.date().isoformat() == "2023-04-12"
    bad = rejected(records)["page 98307"]
    assert bad.field == "main-content" and bad.source_file.endswith("Draft-notes_98307.html")
    assert len(records) == 3


def test_confluence_html_zip_reads_as_the_folder(tmp_path: Path) -> None:
    archive = zip_folder(FIXTURES / "confluence_html", tmp_path / "TH.zip", prefix="TH/")
    records = read(ConfluenceImporter(), archive)
    assert sorted(articles(records)) == ["confluence:98305", "confluence:98306"]
    assert rejected(records)["page 98307"].source_file == f"{archive}!TH/Draft-notes_98307.html"


def html_export_page(crumbs: list[str], title: str, metadata_line: str) -> str:
    """A page of a Confluence HTML space export: breadcrumbs from the space down to the parent, the metadata line."""
    items = "".join(f'<li><span><a href="p{n}.html">{crumb}</a></span></li>' for n, crumb in enumerate(crumbs))
    return (f'<html><head><title>{crumbs[0]} : {title}</title></head><body><div id="page"><div id="main-header">'
            f'<ol id="breadcrumbs">{items}</ol><h1 id="title-heading"><span id="title-text">{crumbs[0]} : {title}'
            f'</span></h1></div><div id="content"><div class="page-metadata">{metadata_line}</div>'
            '<div id="main-content"><p>Start Tomcat first.</p></div></div><div id="footer"><p>Document generated by '
            'Confluence on 08.09.2016 02:05</p></div></div></body></html>')


@pytest.mark.parametrize(("line", "day"), [
    ("Created by <span class='author'>Jan Novak</span>, last modified on 29.01.2015", "2015-01-29"),
    ("Vytvořil <span class='author'>Jan Novak</span>, naposledy upraveno 29. 1. 2015", "2015-01-29"),
    ("Created by Jan Novak, last modified by Eva Dvorak on 2015-01-29", "2015-01-29"),
    ("Created by Jan Novak, last modified by Eva Dvorak on Jan 29, 2015", "2015-01-29"),
    ("Created by Jan Novak, last modified on 03/04/2015", None),  # March 4 or April 3: left out
], ids=["dotted", "czech", "iso", "english", "slashed"])
def test_confluence_html_category_is_the_direct_parent_and_dates_of_any_locale_read(
        line: str, day: str | None, tmp_path: Path) -> None:
    page = tmp_path / "Setup_9273380.html"
    page.write_text(html_export_page(["Clubspire", "Developer guide", "Webclient"], "Setup", line), encoding="utf-8")
    (setup,) = read(ConfluenceImporter(), page)
    assert isinstance(setup, Article)
    assert setup.category == "Webclient" and setup.metadata["breadcrumbs"] == ["Developer guide", "Webclient"]
    assert (setup.updated_at.date().isoformat() if setup.updated_at else None) == day


def test_confluence_xml_keeps_only_current_pages_and_macro_text() -> None:
    records = read(ConfluenceImporter(), FIXTURES / "confluence_xml")
    found = articles(records)
    assert sorted(found) == ["confluence:98305", "confluence:98306"]  # no history 98400, no trashed 98307
    warranty = found["confluence:98305"]
    assert "two-year" in warranty.body and "one-year" not in warranty.body
    assert "Send a photo of the defect" in warranty.body and "Claims" not in warranty.body  # macro parameter dropped
    assert "See Care instructions first." in warranty.body and "jacket.png" not in warranty.body
    assert warranty.metadata["space"] == "Trailhead Help" and warranty.updated_at is not None
    care = found["confluence:98306"]
    assert "Never tumble dry" in care.body and care.category == "Warranty"
    bad = rejected(records)
    assert (bad["Page 98308"].field, bad["Page 98309"].field) == ("title", "bodyContents")
    assert len(records) == 4


def test_confluence_xml_cut_short_keeps_the_pages_before_the_break(tmp_path: Path) -> None:
    text = (FIXTURES / "confluence_xml" / "entities.xml").read_text(encoding="utf-8")
    (tmp_path / "entities.xml").write_text(text[:text.index('<id name="id">98306</id>')], encoding="utf-8")
    records = read(ConfluenceImporter(), tmp_path / "entities.xml")
    assert list(articles(records)) == ["confluence:98305"]
    assert "invalid XML" in rejected(records)["file"].reason


def test_storage_format_macros_reduce_to_text() -> None:
    xhtml = ('<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">More</ac:parameter>'
             '<ac:rich-text-body><p>Hidden detail.</p></ac:rich-text-body></ac:structured-macro>'
             '<p><ac:link><ri:page ri:content-title="Sizing"/><ac:plain-text-link-body><![CDATA[size chart]]>'
             '</ac:plain-text-link-body></ac:link></p>')
    assert storage_text(xhtml) == "Hidden detail.\n\nsize chart"


def entities_xml(*objects: str) -> str:
    """An `entities.xml` of the given objects, as Confluence's XML space export writes it."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<hibernate-generic datetime="2024-05-01 12:00:00">\n'
            + "\n".join(objects) + "\n</hibernate-generic>\n")


def page_object(page_id: int, title: str) -> str:
    return (f'<object class="Page" package="com.atlassian.confluence.pages">\n<id name="id">{page_id}</id>\n'
            f'<property name="title">{title}</property>\n'
            '<property name="contentStatus"><![CDATA[current]]></property>\n</object>')


def body_object(body_id: int, page_id: int, body: str) -> str:
    return (f'<object class="BodyContent" package="com.atlassian.confluence.core">\n<id name="id">{body_id}</id>\n'
            f'<property name="body">{body}</property>\n<property name="content" class="Page" '
            f'package="com.atlassian.confluence.pages"><id name="id">{page_id}</id></property>\n</object>')


def test_confluence_xml_code_macro_whose_cdata_confluence_wrote_as_spaced_end_keeps_its_text(tmp_path: Path) -> None:
    # entities.xml holds the body in a CDATA section, so Confluence writes the `]]>` of the code macro's own CDATA
    # as `]] >`.
    code = ('<![CDATA[<p>Restart the stove:</p><ac:structured-macro ac:name="code"><ac:parameter ac:name="language">'
            'bash</ac:parameter><ac:plain-text-body><![CDATA[stove --reset\n  --keep-settings]] >'
            '</ac:plain-text-body></ac:structured-macro><p>Then wait.</p><ac:structured-macro ac:name="code">'
            '<ac:plain-text-body><![CDATA[stove --status]] ></ac:plain-text-body></ac:structured-macro>]]>')
    (tmp_path / "entities.xml").write_text(entities_xml(page_object(7, "<![CDATA[Reset]]>"), body_object(70, 7, code)),
                                           encoding="utf-8")
    (reset,) = read(ConfluenceImporter(), tmp_path / "entities.xml")
    assert isinstance(reset, Article)
    assert reset.body == "Restart the stove:\n\nstove --reset\n  --keep-settings\n\nThen wait.\n\nstove --status"


def test_confluence_xml_bad_characters_and_a_broken_page_spoil_only_that_page(tmp_path: Path) -> None:
    objects = [
        page_object(1, "<![CDATA[\x08Returns]]>"), body_object(10, 1, "<![CDATA[<p>Hello \x02world.</p>]]>"),
        page_object(2, "Fish & chips"), body_object(20, 2, "<![CDATA[<p>Never read.</p>]]>"),
        page_object(3, "<![CDATA[Sizing]]>"), body_object(30, 3, "<p>An unclosed paragraph</property>"),
        page_object(4, "<![CDATA[Shipping]]>"), body_object(40, 4, "<![CDATA[<p>We ship worldwide.</p>]]>"),
    ]
    (tmp_path / "entities.xml").write_text(entities_xml(*objects), encoding="utf-8")
    records = read(ConfluenceImporter(), tmp_path / "entities.xml")
    found = articles(records)
    assert sorted(found) == ["confluence:1", "confluence:4"]
    assert (found["confluence:1"].title, found["confluence:1"].body) == ("Returns", "Hello world.")
    bad = rejected(records)
    assert sorted(bad) == ["Page 2", "Page 3"]  # not the file: the pages after them are read
    assert "invalid XML in object Page 2" in bad["Page 2"].reason and "Fish & chips" in bad["Page 2"].raw
    assert bad["Page 3"].field == "body" and "BodyContent is not readable" in bad["Page 3"].reason
    assert len(records) == 4


@pytest.mark.parametrize("block", [1, 7, 64])
def test_confluence_xml_objects_split_across_read_blocks_read_the_same(block: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from tunedesk.ingest.importers import confluence_xml

    whole = read(ConfluenceImporter(), FIXTURES / "confluence_xml")
    monkeypatch.setattr(confluence_xml, "_BLOCK", block)
    assert [r.model_dump() for r in read(ConfluenceImporter(), FIXTURES / "confluence_xml")] == [
        r.model_dump() for r in whole]


# --- notion ----------------------------------------------------------------------------------------------------------

def test_notion_pages_databases_and_rows() -> None:
    records = read(NotionImporter(), NOTION)
    found = articles(records)
    returns = found["notion:33c4d5e6f7a84b9c8d0e1f2a3b4c5d6e"]
    assert returns.title == "Returns and exchanges" and returns.category == "Help Center"  # heading, parent page
    assert "30 days" in returns.body and "label.png" not in returns.body
    shipping = found["notion:5e6f7a8b9c0d41e2a3b4c5d6e7f8a9b0"]  # a row with its page: "?" is not in the file name
    assert shipping.body.startswith("Standard shipping takes 3 to 5 business days") and "Status:" not in shipping.body
    assert shipping.tags == ["shipping", "delivery"] and shipping.metadata["database"] == "FAQ"
    price = found["notion:1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6/Do you price match?"]  # a row without a page
    assert "Answer: No, we do not match other stores' prices." in price.body and price.category == "FAQ"
    assert "notion:8f2b6c1e4a3d4f7b9c0d1e2f3a4b5c6d" not in found  # a page of links only: navigation
    assert len(found) == 3  # the _all.csv read, the view's copy of the same row not counted twice
    bad = rejected(records)
    assert bad["line 4"].field == "columns" and bad["line 5"].reason == "1 more cells than columns"
    assert bad["file"].field == "body" and "Empty page" in bad["file"].source_file
    assert len(records) == 6


def test_notion_zip_gives_the_same_articles(tmp_path: Path) -> None:
    archive = zip_folder(NOTION, tmp_path / "Export-1b2c.zip")
    assert articles(read(NotionImporter(), archive)) == articles(read(NotionImporter(), NOTION))


def test_two_delivered_notion_exports_whose_parts_share_a_name_both_read(tmp_path: Path) -> None:
    name = "Export-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b-Part-1.zip"
    other = tmp_path / "other"
    other.mkdir()
    (other / "Gift cards 0a1b2c3d4e5f40718293a4b5c6d7e8f9.md").write_text("# Gift cards\n\nThey never expire.\n")
    outers = []
    for n, folder in enumerate((NOTION, other)):
        part = zip_folder(folder, tmp_path / f"part{n}.zip")
        outer = tmp_path / f"delivered-{n}.zip"
        with zipfile.ZipFile(outer, "w") as archive:
            archive.write(part, name)
        outers.append(outer)
    found = articles(read(NotionImporter(), *outers))
    assert "notion:0a1b2c3d4e5f40718293a4b5c6d7e8f9" in found
    assert set(articles(read(NotionImporter(), NOTION))) < set(found)


def test_confluence_xml_zip_streams_entities(tmp_path: Path) -> None:
    archive = zip_folder(FIXTURES / "confluence_xml", tmp_path / "TH-xml.zip")
    assert articles(read(ConfluenceImporter(), archive)) == articles(read(ConfluenceImporter(),
                                                                          FIXTURES / "confluence_xml"))


def test_oversized_zip_member_is_quarantined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tunedesk.ingest.importers import docs_pages

    monkeypatch.setattr(docs_pages, "MAX_MEMBER_BYTES", 200)
    records = read(NotionImporter(), zip_folder(NOTION, tmp_path / "Export.zip"))
    big = [r for r in records if isinstance(r, Rejected) and r.field == "size"]
    assert big and all("over the 200 limit" in r.reason for r in big)
    assert "notion:5e6f7a8b9c0d41e2a3b4c5d6e7f8a9b0" in articles(records)  # the small files still read


def test_notion_bad_zip_is_one_rejection(tmp_path: Path) -> None:
    (tmp_path / "Export.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty central directory, no members
    (tmp_path / "Broken.zip").write_bytes(b"PK\x03\x04 truncated")
    records = read(NotionImporter(), tmp_path / "Export.zip", tmp_path / "Broken.zip")
    broken, empty = records  # an export with nothing in it is said, not passed over in silence
    assert isinstance(broken, Rejected) and broken.source_file.endswith("Broken.zip")
    assert "unreadable zip" in broken.reason
    assert isinstance(empty, Rejected) and empty.source_file.endswith("Export.zip")
    assert "no Notion pages" in empty.reason


def test_notion_export_of_part_zips_as_notion_delivers_it(tmp_path: Path) -> None:
    part = zip_folder(NOTION, tmp_path / "Export-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b-Part-1.zip")
    outer = tmp_path / "delivered" / "Export-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b.zip"
    outer.parent.mkdir()
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(part, part.name)
    assert detect_format(outer) == "notion"
    records = read(NotionImporter(), outer)
    assert articles(records) == articles(read(NotionImporter(), NOTION))
    bad = [r for r in records if isinstance(r, Rejected)]
    assert bad and all(f"{outer}!{part.name}!" in r.source_file for r in bad)  # named through both zips


# --- sharepoint ------------------------------------------------------------------------------------------------------

def test_sharepoint_graph_pages() -> None:
    records = read(SharePointImporter(), FIXTURES / "sharepoint" / "site_pages.json")
    (page,) = articles(records).values()
    assert page.id == "sharepoint:Stove-fuel-safety" and page.title == "Stove fuel safety"
    assert page.body == ("Shipping fuel\n\nGas canisters ship by ground only, never by air.\n\nKeep canisters "
                         "upright.\n\nQuestions? Ask the logistics team.")
    assert page.url and page.url.endswith("/SitePages/Stove-fuel-safety.aspx") and page.updated_at is not None
    bad = rejected(records)
    assert (bad["value[1]"].field, bad["value[2]"].field) == ("canvasLayout", "id")


def test_sharepoint_single_graph_page_and_broken_json(tmp_path: Path) -> None:
    payload = json.loads((FIXTURES / "sharepoint" / "site_pages.json").read_text(encoding="utf-8"))["value"][0]
    (tmp_path / "page.json").write_text(json.dumps(payload), encoding="utf-8")
    (tmp_path / "cut.json").write_text(json.dumps(payload)[:300], encoding="utf-8")
    records = read(SharePointImporter(), tmp_path / "page.json", tmp_path / "cut.json")
    assert list(articles(records)) == ["sharepoint:Stove-fuel-safety"]
    assert rejected(records)["file"].reason.startswith("invalid JSON")


def test_sharepoint_page_saved_from_the_browser_keeps_every_text_web_part(tmp_path: Path) -> None:
    # A modern page renders each web part in a canvas control of its own; text web parts carry
    # data-sp-feature-tag="Rich Text Editor", other web parts (here a quick-links part) do not.
    def control(inner: str) -> str:
        return f'<div data-automation-id="CanvasControl"><div>{inner}</div></div>'

    def text_part(html: str) -> str:
        return control(f'<div data-sp-feature-tag="Rich Text Editor" data-sp-feature-instance-id="x">'
                       f'<div data-automation-id="textBox">{html}</div></div>')

    canvas = (text_part("<p>Returns are free within 30 days.</p>")
              + control('<div data-sp-feature-tag="QuickLinksWebPart web part"><a href="/x">Returns form</a></div>')
              + text_part("<ol><li>Print the label.</li><li>Drop the parcel off.</li></ol>"))
    page = (f'<html><head><title>Returns - Trailhead</title></head><body><div id="SuiteNavWrapper">Trailhead</div>'
            f'<div id="spPageCanvasContent"><div data-automation-id="CanvasZone">{canvas}</div></div></body></html>')
    (tmp_path / "Returns.html").write_text(page, encoding="utf-8")
    (returns,) = read(SharePointImporter(), tmp_path / "Returns.html")
    assert isinstance(returns, Article)
    assert returns.body == "Returns are free within 30 days.\n\n1. Print the label.\n2. Drop the parcel off."


def test_sharepoint_saved_pages() -> None:
    folder = FIXTURES / "sharepoint"
    records = read(SharePointImporter(), folder / "Tent-care.aspx", folder / "Boot-sizing.html", folder / "Blank.aspx")
    found = articles(records)
    assert found["sharepoint:Tent-care"].title == "Tent care"
    assert found["sharepoint:Tent-care"].body == ("Dry your tent fully before storing it to prevent mildew.\n\n"
                                                  "Never machine-wash the fly.")
    boots = found["sharepoint:Boot-sizing"]
    assert boots.title == "Boot sizing" and boots.body == "Our boots run half a size small; order half a size up."
    assert rejected(records)["file"].field == "mso:CanvasContent1"


# --- docs ------------------------------------------------------------------------------------------------------------

def test_docs_folder_markdown_html_and_other_files(tmp_path: Path) -> None:
    records = read(DocsImporter(), FIXTURES / "docs")
    found = articles(records)
    assert sorted(found) == ["docs:guide/cleaning", "docs:guide/getting-started"]  # _static and images skipped
    start = found["docs:guide/getting-started"]
    assert start.title == "Getting started with the Summit stove" and start.tags == ["stove", "setup"]
    cleaning = found["docs:guide/cleaning"]
    assert cleaning.title == "Cleaning the jet"
    assert cleaning.body.startswith("A weak flame usually means a blocked jet.") and "needle" in cleaning.body
    for chrome in ("Summit stove docs", "Getting started", "Built with"):
        assert chrome not in cleaning.body
    (bad,) = rejected(records).values()
    assert bad.source_file.endswith("warranty.docx") and "not a documentation file type" in bad.reason


def test_docs_page_without_main_loses_its_navigation_and_footer(tmp_path: Path) -> None:
    (tmp_path / "faq.html").write_text(
        "<html><head><title>FAQ</title></head><body><nav><a href='/'>Home</a> | <a href='/faq'>FAQ</a></nav>"
        "<div class='breadcrumbs'>Docs / Support</div><h1>Frequently asked</h1><p>Fuel is sold separately.</p>"
        "<footer>Copyright Summit Gear</footer></body></html>", encoding="utf-8")
    (page,) = articles(read(DocsImporter(), tmp_path / "faq.html")).values()
    assert (page.title, page.body) == ("Frequently asked", "Fuel is sold separately.")


def test_pdf_with_an_outline_is_one_article_per_top_level_section(tmp_path: Path) -> None:
    (tmp_path / "manual.pdf").write_bytes(make_pdf(MANUAL, outline=[("Lighting", 1), ("Storage", 3)]))
    found = articles(read(DocsImporter(), tmp_path))
    assert sorted(found) == ["docs:manual#1", "docs:manual#2"]
    lighting, storage = found["docs:manual#1"], found["docs:manual#2"]
    assert lighting.title == "Lighting" and storage.title == "Storage"
    assert "Read this first." in lighting.body  # pages before the first entry go to the first section
    assert "windscreen" in lighting.body and "below 50 C" not in lighting.body
    assert "below 50 C" in storage.body and lighting.metadata["pages"] == 3


def test_pdf_without_outline_or_with_sections_off_is_one_article(tmp_path: Path) -> None:
    (tmp_path / "plain.pdf").write_bytes(make_pdf(MANUAL[:2]))
    (tmp_path / "titled.pdf").write_bytes(make_pdf(MANUAL, outline=[("Lighting", 1)], title="Summit manual"))
    found = articles(read(DocsImporter({"pdf_sections": False}), tmp_path))
    assert found["docs:plain"].title == "Summit stove manual"  # the first line of text
    assert found["docs:titled"].title == "Summit manual" and "below 50 C" in found["docs:titled"].body


def test_broken_and_textless_pdfs_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf body")
    (tmp_path / "scan.pdf").write_bytes(make_pdf([""]))
    (tmp_path / "ok.md").write_text("# Ok\n\nStill imported.\n", encoding="utf-8")
    records = read(DocsImporter(), tmp_path)
    assert list(articles(records)) == ["docs:ok"]
    reasons = {Path(r.source_file).name: r for r in records if isinstance(r, Rejected)}
    assert reasons["broken.pdf"].field == "pdf" and "unreadable PDF" in reasons["broken.pdf"].reason
    assert reasons["scan.pdf"].field == "text" and "OCR" in reasons["scan.pdf"].reason


def test_encrypted_pdfs_open_without_a_password_or_are_rejected_naming_the_encryption(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf

    def encrypted(user_password: str) -> bytes:
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf(MANUAL[:1]))))
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    (tmp_path / "restricted.pdf").write_bytes(encrypted(""))  # encrypted only to restrict printing: it opens
    (tmp_path / "locked.pdf").write_bytes(encrypted("secret"))
    found = read(DocsImporter(), tmp_path)
    assert list(articles(found)) == ["docs:restricted"]
    (locked,) = [r for r in found if isinstance(r, Rejected)]
    assert locked.field == "encryption" and "password" in locked.reason
    # AES without the cryptography package (pypdf's DependencyError): the encryption is named, with the fix
    (tmp_path / "locked.pdf").unlink()

    def needs_cryptography(self: object, password: str) -> int:
        raise pypdf.errors.DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", needs_cryptography)
    (aes,) = read(DocsImporter(), tmp_path)
    assert isinstance(aes, Rejected) and aes.field == "encryption" and "pip install cryptography" in aes.reason


def test_missing_pypdf_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "manual.pdf").write_bytes(make_pdf(MANUAL[:1]))
    monkeypatch.setitem(sys.modules, "pypdf", None)  # what an install without the extra looks like
    with pytest.raises(IngestError, match=r"tunedesk\[docs\]"):
        read(DocsImporter(), tmp_path)


# --- ingest → clean → build, and the KB the server retrieves from ----------------------------------------------------

@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tunedesk.build import stage as build
    from tunedesk.clean import stage as clean
    from tunedesk.ingest import stage as ingest
    from tunedesk.scaffold import init_workspace
    from tunedesk.workspace import Workspace

    root = tmp_path_factory.mktemp("kb_sources")
    init_workspace(root, example=True, example_tickets=40)
    imports = root / "imports"
    shutil.copytree(FIXTURES, imports)
    zip_folder(FIXTURES / "confluence_html", imports / "confluence-TH.zip", prefix="TH/")
    shutil.rmtree(imports / "confluence_html")
    (imports / "docs" / "manual.pdf").write_bytes(make_pdf(MANUAL, outline=[("Lighting", 1), ("Storage", 3)]))
    config = yaml.safe_load((root / "tunedesk.yaml").read_text(encoding="utf-8"))
    config["sources"] += [{"path": "imports/confluence-TH.zip", "format": "confluence"},
                          {"path": "imports/confluence_xml", "format": "confluence",
                           "options": {"source_name": "wiki"}},
                          {"path": "imports/notion", "format": "notion"},
                          {"path": "imports/sharepoint", "format": "sharepoint"},
                          {"path": "imports/docs", "format": "docs"}]
    (root / "tunedesk.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    ws = Workspace.open(root)
    ingested = ingest.run(ws).as_dict()
    clean.run(ws)
    built = build.run(ws).as_dict()
    return ws, ingested, built


def test_round_trip_articles_reach_the_server_kb(workspace) -> None:  # type: ignore[no-untyped-def]
    from tunedesk.answer.context import ContextBuilder

    ws, ingested, built = workspace
    stored = {a.id for a in ws.store.iter_articles()}
    assert {"confluence:98305", "wiki:98305", "notion:33c4d5e6f7a84b9c8d0e1f2a3b4c5d6e",
            "sharepoint:Stove-fuel-safety", "docs:guide/cleaning", "docs:manual#2"} <= stored
    assert ingested["in"] == ingested["kept"] + ingested["quarantined"]
    assert built["kept"] > 0 and (ws.root / "data" / "train.jsonl").stat().st_size > 0
    context = ContextBuilder(ws, top_k=3)
    for question, expected in [("Can I ship a gas canister by air?", "sharepoint:Stove-fuel-safety"),
                               ("My stove flame is weak, is the jet blocked?", "docs:guide/cleaning"),
                               ("Do you price match other stores?",
                                "notion:1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6/Do you price match?"),
                               ("Do customs fees get refunded on international returns?", "confluence:98306")]:
        assert expected in [a.id for a, _ in context.retrieve(question)], question


def test_round_trip_quarantines_bad_pages_with_file_page_and_field(workspace) -> None:  # type: ignore[no-untyped-def]
    ws, ingested, _ = workspace
    lines = [json.loads(line) for line in (ws.root / "quarantine" / "ingest.jsonl").read_text().splitlines()]
    where = {(Path(r["source_file"].split("!")[-1]).name, r["locator"], r["field"]) for r in lines}
    assert {("Draft-notes_98307.html", "page 98307", "main-content"), ("entities.xml", "Page 98308", "title"),
            ("entities.xml", "Page 98309", "bodyContents"), ("site_pages.json", "value[2]", "id"),
            ("Blank.aspx", "file", "mso:CanvasContent1"), ("warranty.docx", "file", None),
            (f"{FAQ}_all.csv", "line 5", "columns")} <= where
    assert ingested["quarantined"] == len(lines)


GARBLE_SEEDS = [(ConfluenceImporter, "confluence_html/Returns-policy_98305.html"),
                (ConfluenceImporter, "confluence_xml/entities.xml"),
                (NotionImporter, f"notion/Help Center 8f2b6c1e4a3d4f7b9c0d1e2f3a4b5c6d/{FAQ}_all.csv"),
                (NotionImporter, "notion/Help Center 8f2b6c1e4a3d4f7b9c0d1e2f3a4b5c6d/Returns "
                                 "33c4d5e6f7a84b9c8d0e1f2a3b4c5d6e.md"),
                (SharePointImporter, "sharepoint/site_pages.json"), (SharePointImporter, "sharepoint/Tent-care.aspx"),
                (DocsImporter, "docs/guide/cleaning.html")]


@pytest.mark.parametrize(("importer", "relative"), GARBLE_SEEDS)
def test_truncated_and_garbled_files_never_crash(importer: type[Importer], relative: str, tmp_path: Path) -> None:
    data = (FIXTURES / relative).read_bytes()
    name = Path(relative).name
    for index, cut in enumerate((1, len(data) // 3, len(data) // 2, len(data) - 7)):
        folder = tmp_path / str(index)
        folder.mkdir()
        (folder / name).write_bytes(data[:cut] + b"\xff\xfe" + data[cut + 5:])
        records = read(importer(), folder / name)
        assert records and all(isinstance(r, Article | Rejected) for r in records), (relative, cut)
        assert all(r.reason for r in records if isinstance(r, Rejected))


def test_truncated_pdfs_never_crash(tmp_path: Path) -> None:
    pdf = make_pdf(MANUAL, outline=[("Lighting", 1)])
    for cut in (20, len(pdf) // 2, len(pdf) - 30):
        (tmp_path / "cut.pdf").write_bytes(pdf[:cut])
        records = read(DocsImporter(), tmp_path / "cut.pdf")
        assert records and all(isinstance(r, Article | Rejected) for r in records)


def test_the_examples_in_docs_sources_kb_are_valid() -> None:
    from tunedesk.config import SourceConfig, parse_overrides

    text = (Path(__file__).parents[1] / "docs" / "sources_kb.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(yaml)?\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    sources = [SourceConfig.model_validate(source) for kind, block in blocks if kind
               for source in yaml.safe_load(block)["sources"]]
    commands = [shlex.split(line) for kind, block in blocks if not kind for line in block.splitlines()]
    assert len(sources) == 5 and len(commands) == 2
    for source in sources:
        get_importer(source.format or "")(source.options)
    for words in commands:
        options = parse_overrides([words[i + 1] for i, word in enumerate(words) if word == "-o"])
        get_importer(words[words.index("--format") + 1])(options)
