"""The noise real exports carry, made deterministically: typos, quoted replies, rich HTML bodies."""

from __future__ import annotations

import html
import random
import re
from datetime import datetime

from tunedesk.example.brand import SUPPORT_EMAIL
from tunedesk.example.catalog import MONTHS, WEEKDAYS

_FULL_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
)
_KEYBOARD_NEIGHBOURS = {
    "a": "sq", "e": "wr", "i": "uo", "o": "ip", "n": "bm", "r": "et", "s": "ad", "t": "ry", "l": "k", "u": "yi",
}
_URL = re.compile(r"https://[\w-]+(?:\.[\w-]+)+(?:/[\w/-]*)?")


def misspell(word: str, rng: random.Random) -> str:
    """One plausible typo in a word of four or more letters: swapped, dropped, doubled or neighbouring key."""
    i = rng.randrange(1, len(word) - 1)
    how = rng.randrange(4)
    if how == 0 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if how == 1:
        return word[:i] + word[i] + word[i:]
    if how == 2 and word[i].lower() in _KEYBOARD_NEIGHBOURS:
        return word[:i] + rng.choice(_KEYBOARD_NEIGHBOURS[word[i].lower()]) + word[i + 1 :]
    return word[:i] + word[i + 1 :]


def add_typos(text: str, rng: random.Random, count: int) -> str:
    """Misspell up to `count` plain words; numbers, codes and addresses are left alone so planted PII stays exact."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) >= 4]
    for i in sorted(rng.sample(candidates, min(count, len(candidates)))):
        words[i] = misspell(words[i], rng)
    return " ".join(words)


def _clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def gmail_quote(previous: str, sent: datetime, agent_first: str) -> str:
    """`On Tue, Mar 3, 2026 at 10:14 AM Jake <support@…> wrote:` followed by the reply in `> ` lines."""
    day = f"{WEEKDAYS[sent.weekday()][:3]}, {MONTHS[sent.month - 1]} {sent.day}, {sent.year}"
    header = f"On {day} at {_clock(sent)} {agent_first} <{SUPPORT_EMAIL}> wrote:"
    quoted = "\n".join(f"> {line}" if line else ">" for line in previous.split("\n"))
    return f"{header}\n{quoted}"


def outlook_quote(previous: str, sent: datetime, to_name: str, to_email: str, subject: str) -> str:
    """An Outlook `-----Original Message-----` block with From/Sent/To/Subject headers and the reply below."""
    day = f"{WEEKDAYS[sent.weekday()]}, {_FULL_MONTHS[sent.month - 1]} {sent.day}, {sent.year}"
    return (
        "-----Original Message-----\n"
        f"From: Trailhead Outfitters Support <{SUPPORT_EMAIL}>\n"
        f"Sent: {day} {_clock(sent)}\n"
        f"To: {to_name} <{to_email}>\n"
        f"Subject: RE: {subject}\n\n"
        f"{previous}"
    )


def plain_html(text: str) -> str:
    """The html_body Zendesk stores for a plain comment: paragraphs and line breaks only."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    inner = "".join("<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs)
    return f'<div class="zd-comment" dir="auto">{inner}</div>'


def rich_html(text: str) -> str:
    """An html_body with the formatting a rich-text editor adds: links, bold lead sentence, quotes, spacers."""
    parts = []
    for n, paragraph in enumerate(p for p in text.split("\n\n") if p.strip()):
        lines = paragraph.split("\n")
        if all(line.startswith(">") for line in lines):
            quoted = "<br>".join(html.escape(line.lstrip("> ")) for line in lines)
            parts.append(f'<blockquote class="gmail_quote">{quoted}</blockquote>')
            continue
        inner = "<br>".join(_linked(line) for line in lines)
        if n == 1:
            inner = _bold_first_sentence(inner)
        parts.append(f"<p>{inner}</p>")
        if n == 0:
            parts.append("<p>&nbsp;</p>")
    return f'<div class="zd-comment" dir="auto">{"".join(parts)}</div>'


def _linked(line: str) -> str:
    def link(match: re.Match[str]) -> str:
        return f'<a href="{match.group(0)}" rel="noopener noreferrer" target="_blank">{match.group(0)}</a>'

    return _URL.sub(link, html.escape(line))


def _bold_first_sentence(inner: str) -> str:
    end = inner.find(". ")
    if end <= 0:
        end = len(inner) - 1
    if "<a " in inner[:end]:
        return inner
    return f"<strong>{inner[: end + 1]}</strong>{inner[end + 1 :]}"
