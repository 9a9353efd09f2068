"""The brief as a page: its facts laid out once as blocks (headings, paragraphs, tables, lists), written as Markdown
and as a self-contained HTML page (no external URLs, no scripts, every text escaped) with the same content."""

from __future__ import annotations

import html
from typing import Any

from tunedesk.brief.sections import Block, document

STYLE = """body{font-family:sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}.missing{color:#b3261e}.high{color:#b3261e;font-weight:bold}
.medium{color:#8a5a00}code{background:#f6f6f6;padding:0 .2em}"""


def brief_markdown(facts: dict[str, Any]) -> str:
    """The brief as Markdown."""
    lines: list[str] = []
    for block in document(facts):
        lines += _markdown_block(block)
    return "\n".join(lines).rstrip() + "\n"


def _markdown_block(block: Block) -> list[str]:
    kind = block[0]
    if kind == "h1":
        return [f"# {block[1]}", ""]
    if kind == "h2":
        return [f"## {block[1]}", ""]
    if kind in ("p", "missing"):
        return [("**Missing:** " if kind == "missing" else "") + block[1], ""]
    if kind == "list":
        return [f"- {item}" for item in block[1]] + [""]
    if kind == "table":
        columns, rows = block[1], block[2]
        out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(_cell_md(c) for c in row) + " |" for row in rows]
        return [*out, ""]
    raise ValueError(f"unknown block {kind!r}")


def _cell_md(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def brief_html(facts: dict[str, Any]) -> str:
    """The brief as one self-contained HTML page."""
    title = f"tunedesk brief: {facts['name']}"
    body = "".join(_html_block(b) for b in document(facts))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>\n")


def _html_block(block: Block) -> str:
    kind = block[0]
    if kind in ("h1", "h2"):
        return f"<{kind}>{_inline(block[1])}</{kind}>"
    if kind == "p":
        return f"<p>{_inline(block[1])}</p>"
    if kind == "missing":
        return f"<p class='missing'><b>Missing:</b> {_inline(block[1])}</p>"
    if kind == "list":
        return "<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block[1]) + "</ul>"
    if kind == "table":
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in block[1])
        rows = "".join("<tr>" + "".join(_html_cell(c) for c in row) + "</tr>" for row in block[2])
        return f"<table><tr>{head}</tr>{rows}</table>"
    raise ValueError(f"unknown block {kind!r}")


def _html_cell(value: object) -> str:
    text = str(value)
    tone = f" class='{text}'" if text in ("high", "medium") else ""
    return f"<td{tone}>{_inline(text)}</td>"


def _inline(text: str) -> str:
    """Escaped text with `code` spans and **bold** as in the Markdown."""
    out, code, bold = [], False, False
    for i, part in enumerate(str(text).split("`")):
        if i:
            code = not code
        if code:
            out.append(f"<code>{html.escape(part)}</code>")
            continue
        pieces = part.split("**")
        for j, piece in enumerate(pieces):
            if j:
                bold = not bold
                out.append("<b>" if bold else "</b>")
            out.append(html.escape(piece))
    return "".join(out) + ("</b>" if bold else "")
