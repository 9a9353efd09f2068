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
import itertools
import re
import string
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tunedesk.config import DedupConfig

_PLACEHOLDER = re.compile(r"<([A-Z]+)_\d+>")
_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation.replace("<", "").replace(">", "")})
_UNICODE_SPACE = re.compile(r"[^\x00-\x7f](?<=\s)")
_TO_SPACE = (string.punctuation.replace("<", "").replace(">", "") + "\x1c\x1d\x1e\x1f").encode()
_PUNCTUATION_BYTES = bytes.maketrans(_TO_SPACE, b" " * len(_TO_SPACE))
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


def normalised_words(text: str) -> list[bytes]:
    """The words of `normalise(text)`, UTF-8 encoded, punctuation removed by a bytes table (several times faster).

    Equivalent: after str.lower, only ASCII punctuation is mapped, and UTF-8 never uses ASCII bytes inside a
    multi-byte character; the characters str.split() also breaks on within ASCII (x1c-x1f) are mapped to spaces, and
    a text with other Unicode spaces takes the str path.
    """
    if "<" in text:
        text = _PLACEHOLDER.sub(r"<\1>", text)
    lowered = text.lower()
    if not lowered.isascii() and _UNICODE_SPACE.search(lowered):
        return " ".join(lowered.translate(_PUNCTUATION).split()).encode().split()
    return lowered.encode().translate(_PUNCTUATION_BYTES).split()


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


class _WordIds(dict[bytes, int]):
    """Word → its crc32, computed on first sight (a dict lookup after that)."""

    def __missing__(self, word: bytes) -> int:
        value = self[word] = zlib.crc32(word)
        return value


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
        self._word_ids = _WordIds()

    def check(self, key: str, text: str) -> DuplicateHit | None:
        """One ticket; see `check_batch`."""
        return self.check_batch([(key, text)])[0]

    def check_batch(self, items: Sequence[tuple[str, str]]) -> list[DuplicateHit | None]:
        """For each (key, text) in order: its duplicate hit, or None after remembering it as kept."""
        words = [normalised_words(text) for _, text in items]
        batch = self._sign(words) if self.config.near else None
        hits: list[DuplicateHit | None] = []
        for i, (key, _) in enumerate(items):
            digest = hashlib.sha1(b" ".join(words[i])).digest()
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
            words = [normalised_words(text) for _, text in chunk]
            signed = self._sign(words)
            for i, (key, _) in enumerate(chunk):
                digest = hashlib.sha1(b" ".join(words[i])).digest()
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
        candidates = self._candidates(keys)
        matches = []
        for idx in candidates:
            other = self._kept_set(idx)
            shared = len(mine & other)
            if shared / (len(mine) + len(other) - shared) >= self.config.threshold:
                matches.append(self._kept_keys[idx])
        return matches

    def _candidates(self, keys: list[bytes]) -> list[int]:
        """Kept documents sharing at least one band with these keys, in the order they were kept."""
        found: set[int] = set()
        for bucket, key in zip(self._buckets, keys, strict=True):
            members = bucket.get(key)
            if members:
                found.update(members)
        return sorted(found)

    def _near_hit(self, shingles: np.ndarray, signature: np.ndarray, keys: list[bytes]) -> DuplicateHit | None:
        candidates = self._candidates(keys)
        if not candidates:
            return None
        # The MinHash estimate (standard error about 0.05 at 64 permutations) screens candidates cheaply and
        # vectorised; the exact Jaccard of the few most similar decides. Templated answers make big buckets,
        # so only the TOP_CANDIDATES best estimates are checked exactly.
        if len(candidates) > TOP_CANDIDATES:
            rows = self._kept_signatures.take(candidates, axis=0)  # 3x faster than indexing with a list
            agree = np.count_nonzero(rows == signature, axis=1)
            floor = (self.config.threshold - ESTIMATE_MARGIN) * self.config.num_perm
            order = np.argsort(-agree, kind="stable")[:TOP_CANDIDATES]
            candidates = [candidates[j] for j in order[agree[order] >= floor].tolist()]
        # Jaccard similarity is at most the ratio of the two sizes: a pair that cannot pass is not intersected.
        sizes = [len(self._kept_shingles[idx]) for idx in candidates]
        mine = len(shingles)
        passing = [(idx, size) for idx, size in zip(candidates, sizes, strict=True)
                   if min(size, mine) / max(size, mine) >= self.config.threshold]
        best: tuple[float, int] | None = None
        for (idx, size), shared in zip(passing, self._shared_counts(shingles, passing), strict=True):
            similarity = shared / (mine + size - shared)
            if similarity >= self.config.threshold and (best is None or similarity > best[0]):
                best = (similarity, idx)
        return DuplicateHit("near_duplicate", self._kept_keys[best[1]], round(best[0], 3)) if best else None

    def _shared_counts(self, shingles: np.ndarray, kept: list[tuple[int, int]]) -> list[int]:
        """How many of `shingles` (sorted, unique) each kept document (index, size) also has, in one numpy pass."""
        if not kept:
            return []
        others = np.concatenate([self._kept_shingles[idx] for idx, _ in kept])
        at = np.minimum(np.searchsorted(shingles, others), len(shingles) - 1)
        found = shingles[at] == others
        starts = np.cumsum([0] + [size for _, size in kept[:-1]])
        return np.add.reduceat(found, starts).tolist()

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

    def _sign(self, docs: list[list[bytes]]) -> _Batch:
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

    def _shingle_batch(self, docs: list[list[bytes]]) -> list[np.ndarray]:
        """Sorted unique 32-bit hashes of every document's k-word shingles (crc32 word ids, combined in numpy)."""
        k = self.config.shingle
        lengths = np.array([len(w) for w in docs], dtype=np.int64)  # int even when the batch is empty
        words = itertools.chain.from_iterable(docs)
        ids = np.fromiter(map(self._word_ids.__getitem__, words), dtype=np.uint64, count=int(lengths.sum()))
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
        unique = _sorted_unique(keyed)
        bounds = np.searchsorted(unique >> np.uint64(32), np.arange(len(docs) + 1, dtype=np.uint64))
        return [unique[bounds[d] : bounds[d + 1]] & _MASK32 for d in range(len(docs))]

    def _short_hash(self, words: list[bytes]) -> np.uint64:
        value = np.uint64(0)
        for w in words:
            value = (value * _MIX ^ np.uint64(self._word_ids[w])) & _MASK32
        return value


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` of a 1-d array by sorting: numpy 2.4's hash-based unique took 12x longer on a batch's shingles."""
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
