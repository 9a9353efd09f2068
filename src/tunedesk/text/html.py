"""HTML bodies (emails, helpdesk comments, KB pages) to plain text, optionally without the quoted history."""

from __future__ import annotations

import html as htmllib
import re
import warnings

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

_TAG_NAMES = (
    r"html|head|body|div|p|br|span|table|tbody|tr|td|th|a|b|i|u|strong|em|ul|ol|li|h[1-6]|blockquote|font|img|hr"
    r"|pre|code|meta|style|center|section|article|small|sup|sub"
)
_HTML_TAG = re.compile(rf"<!doctype\s+html|</?(?:{_TAG_NAMES})(?:\s[^<>]*)?/?>", re.IGNORECASE)

_SKIPPED = frozenset({"script", "style", "head", "title", "noscript", "template", "iframe", "object", "svg", "meta",
                      "link", "button", "select", "input", "textarea"})
_BLOCKS = frozenset({"p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "h1", "h2", "h3",
                     "h4", "h5", "h6", "ul", "ol", "table", "thead", "tbody", "tfoot", "tr", "address", "dl", "dt",
                     "dd", "figure", "figcaption", "form", "fieldset", "center", "hr", "caption", "body", "html"})
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "dl", "figure"})
_NON_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_INLINE_SPACE = re.compile(r"[\s\xa0]+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
_SPACES = re.compile(r"[ \t]{2,}")
_PRE_MARK = "\x00"
_INDENT = "\x02"  # one space of a list item's indentation, kept through the stripping of lines until the end

# Header labels that open a forwarded/replied-to block, in the languages the fixtures and common clients use.
_HEADER_START = re.compile(r"^\W{0,3}(?:From|De|Von|От|Van|Da|Date|Sent)\s*:", re.IGNORECASE)
_QUOTE_CONTAINERS = (
    "div.gmail_quote, blockquote.gmail_quote, blockquote[type=cite], div.yahoo_quoted, [id^=yahoo_quoted],"
    " div.moz-cite-prefix + blockquote, div.moz-cite-prefix, div.gmail_extra > div.gmail_quote"
)
_HISTORY_STARTS = "[id$=divRplyFwdMsg], [id$=appendonsend], [id$=stopSpelling], #OLK_SRC_BODY_SECTION"
_CONTAINER_HINTS = ("quote", "cite", "yahoo")
_HISTORY_HINTS = ("divrplyfwdmsg", "appendonsend", "stopspelling", "olk_src_body_section")
_FORWARD = re.compile(r"^\W*-+\s*Forwarded message", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(r":\s*$")


def looks_like_html(text: str) -> bool:
    """True when the text carries HTML markup (tags), not merely a '<' or an escaped entity."""
    return _HTML_TAG.search(text) is not None


def html_to_text(html: str, drop_quotes: bool = True) -> str:
    """Readable plain text of an HTML body; with `drop_quotes`, the quoted history of a reply is left out."""
    with warnings.catch_warnings():
        # An XHTML prolog or a body that looks like a URL makes bs4 warn; the text is still wanted.
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(html, "lxml")
    if drop_quotes:
        _drop_quoted_history(soup, html.lower())
    out = _TextWriter()
    try:
        _render(soup, out)
    except RecursionError:
        # Thousands of nested tags (broken or hostile markup): give up on layout, keep every word.
        out = _TextWriter()
        out.text("\n".join(soup.stripped_strings))
    text = _finish(out.result())
    return _drop_trailing_quote(text) if drop_quotes else text


def _drop_quoted_history(soup: BeautifulSoup, lowered: str) -> None:
    """Remove the quote containers of Gmail, Apple Mail, Thunderbird, Yahoo, Outlook and Hotmail."""
    # CSS selection costs more than parsing: only run what the raw markup can possibly match.
    containers = soup.select(_QUOTE_CONTAINERS) if any(k in lowered for k in _CONTAINER_HINTS) else []
    for element in containers:
        if element.decomposed:
            continue
        if "gmail_quote" in (element.get("class") or []) and _FORWARD.match(element.get_text(" ", strip=True)):
            continue  # a forwarded message is the customer's content, not history
        element.decompose()
    start = soup.select_one(_HISTORY_STARTS) if any(k in lowered for k in _HISTORY_HINTS) else None
    if start is None and ("border-top" in lowered or "<hr" in lowered):
        start = _outlook_splitter(soup)
    if start is not None:
        _drop_from(start)


def _outlook_splitter(soup: BeautifulSoup) -> Tag | None:
    """The rule or bordered box Outlook and Windows Mail put above the quoted message's From/Sent block."""
    for div in soup.find_all("div", style=re.compile(r"border-top", re.IGNORECASE)):
        if _HEADER_START.match(div.get_text(" ", strip=True)):
            return div
    for rule in soup.find_all("hr"):
        following = []
        for string in rule.find_all_next(string=True, limit=12):
            if not isinstance(string, _NON_TEXT) and string.strip():
                following.append(string.strip())
        if following and _HEADER_START.match(" ".join(following)):
            return rule
    return None


def _drop_from(element: Tag) -> None:
    """Remove an element and everything after it in document order (the history below a reply)."""
    node: Tag | None = element
    while node is not None and node.name not in ("body", "html", "[document]"):
        for sibling in list(node.next_siblings):
            sibling.extract()
        node = node.parent
    element.decompose()


class _TextWriter:
    """Collects text the way a browser lays it out: blocks start on a new line, paragraphs leave a blank one."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.newlines = 2  # newlines at the end of the output so far; the start counts as a paragraph break

    def text(self, text: str) -> None:
        if self.newlines and not text.strip():
            return  # whitespace between blocks is layout, not content
        self.parts.append(text)
        self.newlines = len(text) - len(text.rstrip("\n")) if text.endswith("\n") else 0

    def line_break(self) -> None:
        self.parts.append("\n")
        self.newlines += 1

    def hold_line(self) -> None:
        """A block holding only &nbsp; still takes a line on screen (Outlook's empty paragraphs)."""
        if self.newlines == 1:
            self.line_break()

    def block(self, blank_lines: int = 0) -> None:
        """Make sure the next text starts on a new line, after `blank_lines` empty ones."""
        missing = 1 + blank_lines - self.newlines
        if missing > 0:
            self.parts.append("\n" * missing)
            self.newlines += missing

    def result(self) -> str:
        return "".join(self.parts)


def _render(node: Tag, out: _TextWriter) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if isinstance(child, _NON_TEXT):
                continue
            raw = str(child)
            if "\xa0" in raw and not raw.replace("\xa0", " ").strip():
                out.hold_line()
            else:
                out.text(_INLINE_SPACE.sub(" ", raw))
        elif isinstance(child, Tag):
            _render_tag(child, out)


def _render_tag(tag: Tag, out: _TextWriter) -> None:
    name = tag.name
    if name in _SKIPPED:
        return
    if name == "br":
        out.line_break()
    elif name == "li":
        _render_item(tag, out)
    elif name == "a":
        _render_link(tag, out)
    elif name in ("td", "th"):
        out.text(" ")
        _render(tag, out)
        out.text(" ")
    elif name == "blockquote":
        out.block()
        for line in _rendered(tag).split("\n"):
            out.text(f"> {line}".rstrip())
            out.line_break()
    elif name == "pre":
        out.block(1)
        out.text("\n".join(_PRE_MARK + line for line in tag.get_text().split("\n")))
        out.block(1)
    elif name in _PARAGRAPHS and "MsoNormal" not in (tag.get("class") or []) and not _in_item(tag):
        out.block(1)
        _render(tag, out)
        out.block(1)
    elif name in _BLOCKS:
        out.block()
        _render(tag, out)
        out.block()
    else:
        _render(tag, out)


def _in_item(tag: Tag) -> bool:
    """A list nested in a list item: it follows the item's text without a blank line."""
    return tag.name in ("ul", "ol") and tag.parent is not None and tag.parent.name == "li"


def _render_item(tag: Tag, out: _TextWriter) -> None:
    """A list item as `- text`, or `3. text` in an ordered list, even when its text sits in a paragraph
    (`<li><p>…</p></li>`, as wikis write it); its further paragraphs and nested lists follow on their own lines,
    indented under its text."""
    out.block()
    marker = _item_marker(tag)
    lines = _rendered(tag, keep_marks=True).split("\n")
    for i, line in enumerate(lines):
        if i:
            out.line_break()
        if line:
            out.text(marker + line if i == 0 else _INDENT * len(marker) + line)
    out.block()


def _item_marker(tag: Tag) -> str:
    """`- `, or in an `<ol>` the item's number: the list's `start` plus the items before it."""
    parent = tag.parent
    if parent is None or parent.name != "ol":
        return "- "
    start = str(parent.get("start") or "1").strip()
    first = int(start) if start.lstrip("-").isdigit() else 1
    return f"{first + len(tag.find_previous_siblings('li'))}. "


def _rendered(tag: Tag, keep_marks: bool = False) -> str:
    inner = _TextWriter()
    _render(tag, inner)
    return _finish(inner.result(), keep_marks)


def _render_link(tag: Tag, out: _TextWriter) -> None:
    text = _INLINE_SPACE.sub(" ", _rendered(tag)).strip()
    href = str(tag.get("href") or "").strip()
    target = href.removeprefix("mailto:")
    if not href or href.startswith(("#", "javascript:")) or target.rstrip("/") == text.rstrip("/"):
        out.text(text)
    elif not text:
        out.text(target)
    else:
        out.text(f"{text} ({target})")


def _finish(text: str, keep_marks: bool = False) -> str:
    """Strip each line, keep at most one blank line in a row, keep `<pre>` lines verbatim and list items' indentation;
    `keep_marks` leaves the marks of both for the list item that holds this text."""
    lines: list[str] = []
    for raw in _INVISIBLE.sub("", text).split("\n"):
        body = raw.lstrip(_INDENT)
        indent = len(raw) - len(body)
        if body.startswith(_PRE_MARK):
            line = (body if keep_marks else body[len(_PRE_MARK):]).rstrip()
        else:
            line = _SPACES.sub(" ", body).strip()
        if line and indent:
            line = (_INDENT if keep_marks else " ") * indent + line
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def _drop_trailing_quote(text: str) -> str:
    """Drop a quoted block that ends the message, with its attribution line (mail.ru, Yandex and plain clients)."""
    lines = text.split("\n")
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].startswith(">")):
        end -= 1
    if end == len(lines) or not any(line.startswith(">") for line in lines[end:]):
        return text
    if end and _ATTRIBUTION_END.search(lines[end - 1]) and re.search(r"\d{4}|@", lines[end - 1]):
        end -= 1
    return "\n".join(lines[:end]).strip() if end else text


_BODY_BLOCKS = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "table")
_BODY_LINE, _BODY_PARAGRAPH = "\x00", "\x01"  # break marks, collapsed after get_text so nested blocks give one break
_BODY_TAG = re.compile(r"<[a-zA-Z!/]")
_BODY_WHITESPACE = re.compile(r"[\s\x00\x01]+")  # the marks must not come from the text itself
_BODY_MARKS = re.compile(r"[ \t]*[\x00\x01][\x00\x01 \t]*")
_BODY_BLANK_LINES = re.compile(r"\n{3,}")
_BODY_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def html_body_text(html: str) -> str:
    """Plain text of a helpdesk API's HTML message body, a lighter pass than `html_to_text` (no quoted history):
    `<br>`, paragraphs, blocks and list items become line breaks, entities decoded."""
    if not _BODY_TAG.search(html):  # plain text (or text with entities only): keep its line breaks
        return htmllib.unescape(html).strip()
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "head", "title"]):
        tag.decompose()
    for text in soup.find_all(string=True):
        if type(text) is not NavigableString:  # comments, doctype, processing instructions are not content
            text.extract()
        elif not text.find_parent("pre"):  # source line breaks are insignificant in HTML, except inside <pre>
            text.replace_with(_BODY_WHITESPACE.sub(" ", text))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BODY_BLOCKS):
        mark = _BODY_PARAGRAPH if block.name == "p" else _BODY_LINE
        block.insert_before(mark)
        block.insert_after(mark)
    plain = _BODY_MARKS.sub(lambda m: "\n\n" if _BODY_PARAGRAPH in m.group() else "\n", soup.get_text())
    lines = (_BODY_SPACES.sub(" ", line).strip() for line in plain.split("\n"))
    return _BODY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
