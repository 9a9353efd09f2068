"""What the server compares a customer's message with, read once at start: the customers' turns of the built
training file (any of the four formats, with their category and kind) and the KB articles cut into passages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tunedesk.records import Article
from tunedesk.trainfile.chat import Turn, payload_turns
from tunedesk.trainfile.reading import format_of, read_rows

PASSAGE_CHARS = 600
"""KB articles are cut into passages of about this size: MiniLM reads only the first 256 word pieces."""
_PARAGRAPHS = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class CustomerMessage:
    """One customer turn of a training example, with the example's category and kind."""

    text: str
    category: str
    kind: str


def _examples(path: Path) -> Iterator[tuple[dict[str, object], int, list[Turn]]]:
    """Each readable example of a built training file: its row, line and turns (a missing file gives none)."""
    if not path.is_file():
        return
    for row in read_rows(path).rows:
        fmt = format_of(row.data)
        turns = payload_turns(row.data, fmt) if fmt is not None else "no payload"
        if not isinstance(turns, str):
            yield row.data, row.line, turns


def _labels(data: dict[str, object]) -> tuple[str, str]:
    """The example's category and kind."""
    return str(data.get("category") or ""), str(data.get("kind") or "answer")


def customer_messages(path: Path) -> list[CustomerMessage]:
    """Every customer turn of a built training file; a missing file or an unreadable row gives none."""
    return [CustomerMessage(t.content, *_labels(data)) for data, _, turns in _examples(path) for t in turns
            if t.role == "user" and isinstance(t.content, str) and t.content.strip()]


@dataclass(frozen=True)
class Precedent:
    """A past ticket of the training file: what the customer wrote (every customer turn) and the agent's reply."""

    id: str
    customer: str
    reply: str
    category: str
    kind: str


def precedents(path: Path) -> list[Precedent]:
    """Every example of a built training file as a precedent; a missing file or an unreadable row gives none."""
    found = []
    for data, line, turns in _examples(path):
        if not turns or turns[-1].role != "assistant":
            continue
        customer = "\n".join(t.content for t in turns if t.role == "user" and isinstance(t.content, str))
        reply = turns[-1].content
        if customer.strip() and isinstance(reply, str) and reply.strip():
            found.append(Precedent(str(data.get("id") or line), customer, reply, *_labels(data)))
    return found


class PrecedentIndex:
    """Past tickets to compare a reply with: the k tickets most like this customer's message (TF-IDF over the
    customers' words), and how close the reply comes to what their agents replied."""

    def __init__(self, found: list[Precedent]) -> None:
        from tunedesk.prompt.retrieval import TfidfIndex

        self.precedents = found
        self.customers = TfidfIndex([p.customer for p in found])
        self.replies = TfidfIndex([p.reply for p in found])

    def agreement(self, customer: str, reply: str, k: int = 3) -> float:
        """The highest cosine between the reply and the replies to the k most similar past tickets (0: none)."""
        nearest = self.customers.nearest(customer, k)
        return max((self.replies.cosine(reply, index) for index, _ in nearest), default=0.0)


def kb_passages(articles: Iterable[Article]) -> list[str]:
    """Each article's title with each passage of its body (paragraphs joined up to about PASSAGE_CHARS)."""
    passages = []
    for article in articles:
        chunk = ""
        for paragraph in _PARAGRAPHS.split(article.body):
            paragraph = paragraph.strip()
            if chunk and len(chunk) + len(paragraph) > PASSAGE_CHARS:
                passages.append(f"{article.title}\n{chunk}")
                chunk = ""
            chunk = f"{chunk}\n{paragraph}".strip()
        if chunk or not passages:
            passages.append(f"{article.title}\n{chunk}".strip())
    return passages
