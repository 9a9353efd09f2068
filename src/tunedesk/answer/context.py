"""What the model is told besides the thread: the system prompt rendered from the current policies (exactly as
training and eval render it) and the top-k knowledge-base articles for the customer's message.

Articles are split into passages (title + paragraphs of ~600 characters). A passage is ranked twice — by BM25 (the
words the customer used) and by embedding similarity (what they meant) — and the two ranks are fused (reciprocal
rank fusion, k=60); an article's rank is its best passage's. Only articles with some lexical overlap or an
embedding similarity of at least KB_MIN_SIMILARITY are put in front of the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunedesk.answer.backends.fit import KB_HEADER
from tunedesk.answer.corpus import kb_passages
from tunedesk.answer.types import Context
from tunedesk.models.embed import Embedder
from tunedesk.prompt.precedents import Precedents, join_prompt
from tunedesk.prompt.retrieval import Bm25Index
from tunedesk.prompt.system import SystemPrompt
from tunedesk.records import Article, TicketIn
from tunedesk.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

KB_MIN_SIMILARITY = 0.45
KB_CHARS = 700
RRF_K = 60


class ContextBuilder:
    """Renders the system prompt and retrieves KB articles for a ticket; passages are indexed once."""

    def __init__(self, ws: Workspace, top_k: int, embedder: Embedder | None = None,
                 precedents: Precedents | None = None) -> None:
        dataset = ws.config.dataset
        self.prompt = SystemPrompt.from_file(ws.policies(), ws.path(dataset.system_template), dataset.policy_facts)
        self.precedents = precedents
        self.articles = list(ws.store.iter_articles()) if top_k else []
        self.top_k, self.embedder = top_k, embedder
        self.owners: list[int] = []
        passages: list[str] = []
        for index, article in enumerate(self.articles):
            for passage in kb_passages([article]):
                self.owners.append(index)
                passages.append(passage)
        self.bm25 = Bm25Index(passages) if passages else None
        self.matrix = self._embed(passages) if passages and embedder is not None else None

    def build(self, ticket: TicketIn) -> Context:
        """The system prompt (policies, precedents, retrieved articles), the sources used and every grounding
        text. Up to the articles it is exactly the system prompt build wrote for the same conversation."""
        system = self.prompt.render(ticket.customer_text)
        if self.precedents is not None:
            system = join_prompt(system, self.precedents.section(self.precedents.for_ticket(ticket.customer_text)))
        chosen = self.retrieve(ticket.last_customer_text)
        if chosen:
            articles = "\n".join(f"- {a.title}: {a.body[:KB_CHARS].strip()}" for a, _ in chosen)
            system = f"{system}{KB_HEADER}{articles}"
        sources = [{"id": a.id, "title": a.title, "url": a.url, "score": round(s, 4)} for a, s in chosen]
        texts = [system, *(a.body for a, _ in chosen), *(m["content"] for m in ticket.messages)]
        return Context(system_prompt=system, sources=sources, texts=texts)

    def retrieve(self, text: str) -> list[tuple[Article, float]]:
        """The best articles for a message with their fused scores, best first (none below the floors)."""
        if self.bm25 is None or not text.strip():
            return []
        lexical = self.bm25.scores(text)
        similar = self._similarities(text)
        fused: dict[int, float] = {}
        for ranking in (_ranks(lexical), _ranks(similar) if similar is not None else {}):
            for passage, rank in ranking.items():
                fused[passage] = fused.get(passage, 0.0) + 1 / (RRF_K + rank)
        best: dict[int, float] = {}
        for passage, score in sorted(fused.items(), key=lambda x: -x[1]):
            relevant = lexical[passage] > 0 or (similar is not None and similar[passage] >= KB_MIN_SIMILARITY)
            if relevant:
                best.setdefault(self.owners[passage], score)
        top = sorted(best.items(), key=lambda x: -x[1])[: self.top_k]
        return [(self.articles[i], score) for i, score in top]

    def _similarities(self, text: str) -> list[float] | None:
        if self.matrix is None:
            return None
        return [float(x) for x in self.matrix @ self._embed([text])[0]]

    def _embed(self, texts: list[str]) -> NDArray[np.float32]:
        import numpy as np

        assert self.embedder is not None  # only called with one
        vectors = np.asarray(self.embedder(texts), dtype="float32")
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def _ranks(scores: list[float]) -> dict[int, int]:
    """Passage → 1-based rank by score (passages scoring 0 or less are left out)."""
    order = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: -scores[i])
    return {passage: rank for rank, passage in enumerate(order, start=1)}
