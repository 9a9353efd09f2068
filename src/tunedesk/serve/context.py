"""What the model is told besides the thread: the system prompt rendered from the current policies (exactly as
training and eval render it) and the top-k knowledge-base articles retrieved by embedding."""

from __future__ import annotations

from typing import Any

from tunedesk.prompting import SystemPrompt
from tunedesk.serve.types import Context, TicketIn
from tunedesk.workspace import Workspace

KB_MIN_SIMILARITY = 0.45
"""An article less similar than this to the customer's message is not put in front of the model."""
KB_CHARS = 700


class ContextBuilder:
    """Renders the system prompt and retrieves KB articles for a ticket; the embeddings are computed once."""

    def __init__(self, ws: Workspace, top_k: int, embedder: Any = None) -> None:
        dataset = ws.config.dataset
        self.prompt = SystemPrompt.from_file(ws.policies(), ws.path(dataset.system_template), dataset.policy_facts)
        self.articles = list(ws.store.iter_articles()) if top_k else []
        self.top_k, self.embedder = top_k, embedder
        self.matrix: Any = None
        if self.articles and embedder is not None:
            import numpy as np

            vectors = np.asarray(embedder([f"{a.title}\n{a.body[:1000]}" for a in self.articles]), dtype="float32")
            self.matrix = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)

    def build(self, ticket: TicketIn) -> Context:
        """The system prompt (policies + retrieved articles), the sources used and every grounding text."""
        system = self.prompt.render(ticket.customer_text)
        chosen = self._retrieve(ticket.last_customer_text)
        if chosen:
            articles = "\n".join(f"- {a.title}: {a.body[:KB_CHARS].strip()}" for a, _ in chosen)
            system = f"{system}\nHelp-centre articles:\n{articles}"
        sources = [{"id": a.id, "title": a.title, "url": a.url, "score": round(s, 4)} for a, s in chosen]
        texts = [system, *(a.body for a, _ in chosen), *(m["content"] for m in ticket.messages)]
        return Context(system_prompt=system, sources=sources, texts=texts)

    def _retrieve(self, text: str) -> list[tuple[Any, float]]:
        if self.matrix is None or not text.strip():
            return []
        import numpy as np

        query = np.asarray(self.embedder([text])[0], dtype="float32")
        scores = self.matrix @ (query / max(float(np.linalg.norm(query)), 1e-9))
        best = np.argsort(-scores)[: self.top_k]
        return [(self.articles[i], float(scores[i])) for i in best if scores[i] >= KB_MIN_SIMILARITY]
