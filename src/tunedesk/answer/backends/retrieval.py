"""The `retrieval` backend: no model at all — each ticket gets the agent's reply to the most similar past ticket of
the training set (TF-IDF cosine over the customers' words), what a macro-suggestion tool does. It is the first
baseline a fine-tuned model must beat (`tunedesk eval --model retrieval`); its confidence is that similarity."""

from __future__ import annotations

import math
from collections.abc import Iterator

from tunedesk.answer.backends import register
from tunedesk.answer.backends.base import BackendError, ModelSource
from tunedesk.answer.corpus import Precedent, precedents
from tunedesk.answer.types import Completion, GenerationRequest
from tunedesk.config.serve import BackendConfig
from tunedesk.prompt.retrieval import TfidfIndex

MODEL_VERSION = "retrieval"


@register("retrieval")
class RetrievalBackend:
    """Answers with the reply of the nearest precedent; never fails for a ticket that shares no word with any."""

    name = "retrieval"
    model_version = MODEL_VERSION

    def __init__(self, found: list[Precedent]) -> None:
        if not found:
            raise BackendError("the retrieval baseline needs past tickets: data/train.jsonl is missing or empty "
                               "(run `tunedesk build`)")
        self.precedents = found
        self.index = TfidfIndex([p.customer for p in found])

    @classmethod
    def from_config(cls, cfg: BackendConfig, source: ModelSource) -> RetrievalBackend:
        """The workspace's training file as the past tickets."""
        return cls(precedents(source.workspace_root / "data" / "train.jsonl"))

    def generate(self, request: GenerationRequest) -> Completion:
        """The nearest precedent's reply, with log(cosine) as its confidence signal."""
        customer = "\n".join(m["content"] for m in request.messages if m.get("role") == "user")
        nearest = self.index.nearest(customer, k=1)
        index, similarity = nearest[0] if nearest else (0, 0.0)
        reply = self.precedents[index].reply
        logprob = math.log(max(similarity, 1e-6))
        return Completion(text=reply, completion_tokens=len(reply.split()), mean_logprob=logprob,
                          min_logprob=logprob)

    def stream(self, request: GenerationRequest) -> Iterator[str | Completion]:
        """The whole reply as one delta, then the Completion."""
        completion = self.generate(request)
        yield completion.text
        yield completion

    def close(self) -> None:
        """Nothing to free."""
