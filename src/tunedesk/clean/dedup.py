"""Exact and near-duplicate detection over cleaned conversations: MinHash signatures + LSH banding + exact check.

Tickets are checked in a stable order; the first of a group is kept and later ones point at it.

Why not datasketch's MinHash/MinHashLSH objects: their per-document Python overhead (~200 µs a ticket here)
alone exceeds the clean stage's budget (5,000 tickets/s for the whole pipeline). Here a whole batch is shingled,
hashed and signed in a few numpy expressions (crc32 word ids, 32-bit xor-multiply permutations,
`minimum.reduceat` per document); bands are looked up in plain dicts; the MinHash estimate screens LSH
candidates and the exact Jaccard similarity of the shingle sets decides, so results are deterministic.
"""

from __future__ import annotations

import hashlib
import re
import string
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tunedesk.config import DedupConfig

_PLACEHOLDER = re.compile(r"<([A-Z]+)_\d+>")
_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation.replace("<", "").replace(">", "")})
_MASK32 = np.uint64(0xFFFFFFFF)
_MIX = np.uint64(1_000_003)
TOP_CANDIDATES = 8
BUCKET_CAP = 32
ESTIMATE_MARGIN = 0.12


@dataclass(frozen=True)
class DuplicateHit:
    """A ticket found to duplicate an earlier kept one."""

    reason: str  # "duplicate" | "near_duplicate"
    original: str
    similarity: float


def normalise(text: str) -> str:
    """Lower-case words only, placeholders without their numbers, so trivial differences do not count."""
    if "<" in text:
        text = _PLACEHOLDER.sub(r"<\1>", text)
    return " ".join(text.lower().translate(_PUNCTUATION).split())


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) whose S-curve is closest to a step at `threshold`, weighing misses twice as much."""
    xs = np.linspace(0.0, 1.0, 201)
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        p = 1.0 - (1.0 - xs**rows) ** bands
        false_pos = np.trapezoid(np.where(xs < threshold, p, 0.0), xs)
        false_neg = np.trapezoid(np.where(xs >= threshold, 1.0 - p, 0.0), xs)
        cost = false_pos + 2.0 * false_neg
        if best is None or cost < best[0]:
            best = (float(cost), bands, rows)
    assert best is not None
    return best[1], best[2]


@dataclass
class _Batch:
    """One batch, shingled and signed: per document its unique shingle hashes, signature and band keys."""

    shingles: list[np.ndarray]
    signatures: np.ndarray
    band_keys: list[list[bytes]]


class Deduplicator:
    """Remembers kept conversations and tells whether new ones duplicate any of them."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        rng = np.random.default_rng(1)
        # 32-bit permutations x -> mix((x ^ s) * a) with odd a: bijections, 6× cheaper than 64-bit arithmetic here.
        self._a = rng.integers(1, 2**32, size=config.num_perm, dtype=np.uint32) | np.uint32(1)
        self._s = rng.integers(0, 2**32, size=config.num_perm, dtype=np.uint32)
        # Candidates are proposed generously (below the threshold); the exact check decides.
        self._bands, self._rows = lsh_bands(max(0.05, config.threshold - 0.15), config.num_perm)
        self._buckets: list[dict[bytes, list[int]]] = [{} for _ in range(self._bands)]
        self._kept_keys: list[str] = []
        self._kept_shingles: list[np.ndarray] = []
        self._kept_sets: dict[int, frozenset[int]] = {}
        self._kept_signatures = np.empty((1024, config.num_perm), dtype=np.uint32)
        self._exact: dict[bytes, str] = {}
        self._word_ids: dict[str, int] = {}

    def check(self, key: str, text: str) -> DuplicateHit | None:
        """One ticket; see `check_batch`."""
        return self.check_batch([(key, text)])[0]

    def check_batch(self, items: Sequence[tuple[str, str]]) -> list[DuplicateHit | None]:
        """For each (key, text) in order: its duplicate hit, or None after remembering it as kept."""
        norms = [normalise(text) for _, text in items]
        batch = self._sign([n.split() for n in norms]) if self.config.near else None
        hits: list[DuplicateHit | None] = []
        for i, (key, _) in enumerate(items):
            digest = hashlib.sha1(norms[i].encode()).digest()
            hit = None
            if self.config.exact and digest in self._exact:
                hit = DuplicateHit("duplicate", self._exact[digest], 1.0)
            elif batch is not None and len(batch.shingles[i]):
                hit = self._near_hit(batch.shingles[i], batch.signatures[i], batch.band_keys[i])
            if hit is None:
                self._exact.setdefault(digest, key)
                if batch is not None and len(batch.shingles[i]):
                    self._remember(key, batch.shingles[i], batch.signatures[i], batch.band_keys[i])
            hits.append(hit)
        return hits

    def cluster(self, items: Sequence[tuple[str, str]], batch: int = 500) -> dict[str, str]:
        """Group near-duplicates transitively: every key → the first key of its group (union-find).

        Unlike `check_batch`, every LSH candidate is checked exactly and every text joins the index, so a pair
        above the threshold is never split between groups (used to keep near-duplicates out of two splits).
        """
        order = {key: i for i, (key, _) in enumerate(items)}
        parent = {key: key for key, _ in items}

        def root(key: str) -> str:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            norms = [normalise(text) for _, text in chunk]
            signed = self._sign([n.split() for n in norms])
            for i, (key, _) in enumerate(chunk):
                digest = hashlib.sha1(norms[i].encode()).digest()
                matches = [self._exact[digest]] if digest in self._exact else []
                shingles = signed.shingles[i]
                if len(shingles):
                    matches += self._all_matches(frozenset(shingles.tolist()), signed.band_keys[i])
                    self._remember(key, shingles, signed.signatures[i], signed.band_keys[i], cap=False)
                self._exact.setdefault(digest, key)
                for other in matches:
                    a, b = root(key), root(other)
                    if a != b:
                        first, second = (a, b) if order[a] < order[b] else (b, a)
                        parent[second] = first
        return {key: root(key) for key, _ in items}

    def _all_matches(self, mine: frozenset[int], keys: list[bytes]) -> list[str]:
        candidates = sorted({idx for band, k in enumerate(keys) for idx in self._buckets[band].get(k, ())})
        matches = []
        for idx in candidates:
            other = self._kept_set(idx)
            shared = len(mine & other)
            if shared / (len(mine) + len(other) - shared) >= self.config.threshold:
                matches.append(self._kept_keys[idx])
        return matches

    def _near_hit(self, shingles: np.ndarray, signature: np.ndarray, keys: list[bytes]) -> DuplicateHit | None:
        candidates = sorted({idx for band, k in enumerate(keys) for idx in self._buckets[band].get(k, ())})
        if not candidates:
            return None
        # The MinHash estimate (standard error about 0.05 at 64 permutations) screens candidates cheaply and
        # vectorised; the exact Jaccard of the few most similar decides. Templated answers make big buckets,
        # so only the TOP_CANDIDATES best estimates are checked exactly.
        if len(candidates) > TOP_CANDIDATES:
            agree = np.count_nonzero(self._kept_signatures[candidates] == signature, axis=1)
            floor = (self.config.threshold - ESTIMATE_MARGIN) * self.config.num_perm
            order = np.argsort(-agree, kind="stable")[:TOP_CANDIDATES]
            candidates = [candidates[j] for j in order if agree[j] >= floor]
        mine = frozenset(shingles.tolist())
        best: tuple[float, int] | None = None
        for idx in candidates:
            other = self._kept_set(idx)
            shared = len(mine & other)
            similarity = shared / (len(mine) + len(other) - shared)
            if similarity >= self.config.threshold and (best is None or similarity > best[0]):
                best = (similarity, idx)
        return DuplicateHit("near_duplicate", self._kept_keys[best[1]], round(best[0], 3)) if best else None

    def _kept_set(self, idx: int) -> frozenset[int]:
        found = self._kept_sets.get(idx)
        if found is None:
            found = self._kept_sets[idx] = frozenset(self._kept_shingles[idx].tolist())
        return found

    def _remember(self, key: str, shingles: np.ndarray, signature: np.ndarray, keys: list[bytes],
                  cap: bool = True) -> None:
        idx = len(self._kept_keys)
        if idx == len(self._kept_signatures):
            self._kept_signatures = np.concatenate([self._kept_signatures, np.empty_like(self._kept_signatures)])
        self._kept_signatures[idx] = signature
        self._kept_keys.append(key)
        self._kept_shingles.append(shingles)
        for band, k in enumerate(keys):
            bucket = self._buckets[band].setdefault(k, [])
            if not cap or len(bucket) < BUCKET_CAP:  # templated answers fill buckets; earlier members stand for them
                bucket.append(idx)

    def _sign(self, docs: list[list[str]]) -> _Batch:
        """Shingle, hash and sign every document of a batch with a handful of whole-batch numpy operations."""
        shingles = self._shingle_batch(docs)
        sizes = np.array([len(s) for s in shingles])
        signatures = np.zeros((len(docs), self.config.num_perm), dtype=np.uint32)
        keys: list[list[bytes]] = [[] for _ in docs]
        nonempty = sizes > 0
        if nonempty.any():
            flat = np.concatenate([s for s in shingles if len(s)]).astype(np.uint32)
            permuted = (flat[None, :] ^ self._s[:, None]) * self._a[:, None]
            permuted ^= permuted >> np.uint32(15)
            starts = np.concatenate([[0], np.cumsum(sizes[nonempty])[:-1]])
            signatures[nonempty] = np.minimum.reduceat(permuted, starts, axis=1).T
            width, step = self._bands * self._rows, self._rows * 4
            for doc in np.flatnonzero(nonempty):
                row = signatures[doc, :width].tobytes()
                keys[doc] = [row[b * step : (b + 1) * step] for b in range(self._bands)]
        return _Batch(shingles, signatures, keys)

    def _shingle_batch(self, docs: list[list[str]]) -> list[np.ndarray]:
        """Sorted unique 32-bit hashes of every document's k-word shingles (crc32 word ids, combined in numpy)."""
        ids_map = self._word_ids
        stream = [w for words in docs for w in words]
        found = list(map(ids_map.get, stream))
        if None in found:
            for i, value in enumerate(found):
                if value is None:
                    found[i] = ids_map.setdefault(stream[i], zlib.crc32(stream[i].encode()))
        k = self.config.shingle
        lengths = np.array([len(w) for w in docs], dtype=np.int64)  # int even when the batch is empty
        ids = np.array(found, dtype=np.uint64)
        doc_of = np.repeat(np.arange(len(docs), dtype=np.uint64), lengths)
        hashed = ids.copy()
        n = len(ids)
        for j in range(1, k):  # combine each word with the next k-1 words of the whole stream
            shifted = np.zeros(n, dtype=np.uint64)
            shifted[: n - j] = ids[j:]
            hashed = (hashed * _MIX ^ shifted) & _MASK32
        position = np.arange(n) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        valid = position <= np.repeat(np.maximum(lengths - k, 0), lengths)
        # A document shorter than k is one shingle of all its words: its first position, combined over its length.
        short = np.flatnonzero((lengths > 0) & (lengths < k))
        keyed = (doc_of[valid] << np.uint64(32)) | hashed[valid]
        for d in short:
            keyed = keyed[(keyed >> np.uint64(32)) != np.uint64(d)]
            keyed = np.append(keyed, (np.uint64(d) << np.uint64(32)) | self._short_hash(docs[d]))
        unique = np.unique(keyed)
        bounds = np.searchsorted(unique >> np.uint64(32), np.arange(len(docs) + 1, dtype=np.uint64))
        return [unique[bounds[d] : bounds[d + 1]] & _MASK32 for d in range(len(docs))]

    def _short_hash(self, words: list[str]) -> np.uint64:
        value = np.uint64(0)
        for w in words:
            value = (value * _MIX ^ np.uint64(self._word_ids[w])) & _MASK32
        return value
