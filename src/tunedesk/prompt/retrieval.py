"""Small lexical indexes, deterministic and dependency-free, so build, eval and the server retrieve exactly the same
things: BM25 picks the policy facts (and KB passages) relevant to a customer's message; TF-IDF cosine finds the
past tickets most like it (the retrieval baseline)."""

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


class TfidfIndex:
    """Cosine similarity of TF-IDF vectors (raw term counts, smoothed idf, unit length) over a fixed list of
    documents, looked up through an inverted index: a query touches only the documents sharing a term with it."""

    def __init__(self, documents: list[str]) -> None:
        counts = [Counter(terms(d)) for d in documents]
        n = len(counts)
        df = Counter(t for c in counts for t in c)
        self.idf = {t: math.log((1 + n) / (1 + f)) + 1 for t, f in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.vectors = [_unit(count, self.idf) for count in counts]
        for index, vector in enumerate(self.vectors):
            for term, weight in vector.items():
                self.postings.setdefault(term, []).append((index, weight))

    def nearest(self, query: str, k: int = 1) -> list[tuple[int, float]]:
        """The k most similar documents as (index, cosine), best first (ties: lower index); none share a term: []."""
        scores: dict[int, float] = {}
        for term, weight in _unit(Counter(t for t in terms(query) if t in self.idf), self.idf).items():
            for index, doc_weight in self.postings[term]:
                scores[index] = scores.get(index, 0.0) + weight * doc_weight
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
        return [(index, min(score, 1.0)) for index, score in ranked[:k]]


    def cosine(self, query: str, index: int) -> float:
        """The cosine between the query and one document."""
        vector = _unit(Counter(t for t in terms(query) if t in self.idf), self.idf)
        document = self.vectors[index]
        return min(1.0, sum(weight * document.get(term, 0.0) for term, weight in vector.items()))


def _unit(count: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    weights = {t: c * idf[t] for t, c in count.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}
