"""A small BM25 index: picks the policy facts (and later KB passages) relevant to a customer's message.

Deterministic and dependency-free, so build, eval and the server retrieve exactly the same facts.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for", "from", "have", "how",
    "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "so", "that", "the", "their", "there",
    "this", "to", "was", "we", "what", "when", "where", "which", "will", "with", "would", "you", "your", "hi", "hello",
    "thanks", "thank", "please",
})


def terms(text: str) -> list[str]:
    """Lower-case content words, with a light plural strip so 'returns' finds 'return'."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]


class Bm25Index:
    """Okapi BM25 over a fixed list of documents."""

    def __init__(self, documents: list[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.docs = [Counter(terms(d)) for d in documents]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df = Counter(t for d in self.docs for t in d)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def scores(self, query: str) -> list[float]:
        """The BM25 score of every document for the query."""
        q = set(terms(query))
        out = []
        for doc, length in zip(self.docs, self.lengths, strict=True):
            s = 0.0
            for t in q & doc.keys():
                tf = doc[t]
                norm = self.k1 * (1 - self.b + self.b * length / (self.avg or 1))
                s += self.idf[t] * tf * (self.k1 + 1) / (tf + norm)
            out.append(s)
        return out

    def top(self, query: str, k: int) -> list[int]:
        """Indices of the k best-scoring documents with a positive score, best first (ties: lower index)."""
        ranked = sorted(((s, -i) for i, s in enumerate(self.scores(query)) if s > 0), reverse=True)
        return [-i for _, i in ranked[:k]]
