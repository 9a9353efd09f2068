"""MinHash signing of whole batches: words, k-word shingles, signatures and LSH band keys in numpy passes.

Why not datasketch's MinHash objects: their per-document Python overhead (~200 µs a ticket here) exceeds what a
ticket may cost in clean. Here a whole batch is shingled, hashed and signed in a few numpy expressions (crc32 word
ids, 32-bit xor-multiply permutations, `minimum.reduceat` per document). The deduplicator (`dedup.py`) keeps the
index and decides.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
import zlib
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
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd: multiplicative hashing


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


class WordIds(dict[bytes, int]):
    """Word → its crc32, computed on first sight (a dict lookup after that)."""

    def __missing__(self, word: bytes) -> int:
        value = self[word] = zlib.crc32(word)
        return value


class HashSet:
    """Exact membership among uint64 values below 2**64 - 1, for many queries at once.

    A query costs a multiply and a lookup in a table 4-8 times the number of values, where a binary search over a
    whole batch's shingles takes 16 steps. Values that lose their slot to another are binary-searched, and only by
    the queries that land on such a slot.
    """

    def __init__(self, values: np.ndarray) -> None:
        bits = max(len(values).bit_length() + 2, 8)
        self._shift = np.uint64(64 - bits)
        slots = self._slots(values)
        self._table = np.full(1 << bits, np.iinfo(np.uint64).max, dtype=np.uint64)
        self._table[slots] = values
        lost = self._table[slots] != values
        self._crowded = np.zeros(1 << bits, dtype=bool)
        self._crowded[slots[lost]] = True
        self._lost = np.sort(values[lost])

    def contains(self, queries: np.ndarray) -> np.ndarray:
        """Whether each query is one of the values."""
        slots = self._slots(queries)
        found = self._table[slots] == queries
        if len(self._lost):
            retry = np.flatnonzero(self._crowded[slots] & ~found)
            at = np.minimum(np.searchsorted(self._lost, queries[retry]), len(self._lost) - 1)
            found[retry] = self._lost[at] == queries[retry]
        return found

    def _slots(self, values: np.ndarray) -> np.ndarray:
        return ((values * _FIBONACCI) >> self._shift).astype(np.intp)


@dataclass
class SignedBatch:
    """One batch, shingled and signed: per document its unique shingle hashes, signature and band keys.

    `keyed` holds every document's shingles with its position in the batch in the high 32 bits, so that one
    lookup in `members` answers membership questions about the whole batch; `sizes` counts each document's shingles.
    """

    shingles: list[np.ndarray]
    keyed: np.ndarray
    sizes: np.ndarray
    signatures: np.ndarray
    band_keys: list[list[bytes]]

    @functools.cached_property
    def members(self) -> HashSet:
        """`keyed` as a hash set, built when first asked (`cluster` never asks)."""
        return HashSet(self.keyed)


class Signer:
    """Shingles, hashes and signs batches of documents, and cuts each signature into LSH band keys."""

    def __init__(self, config: DedupConfig) -> None:
        self.num_perm, self.shingle = config.num_perm, config.shingle
        rng = np.random.default_rng(1)
        # 32-bit permutations x -> mix((x ^ s) * a) with odd a: bijections, 6× cheaper than 64-bit arithmetic here.
        self._a = rng.integers(1, 2**32, size=config.num_perm, dtype=np.uint32) | np.uint32(1)
        self._s = rng.integers(0, 2**32, size=config.num_perm, dtype=np.uint32)
        # Candidates are proposed generously (below the threshold); the exact check decides.
        self.bands, self.rows = lsh_bands(max(0.05, config.threshold - 0.15), config.num_perm)
        self._word_ids = WordIds()

    def sign(self, docs: list[list[bytes]]) -> SignedBatch:
        """Shingle, hash and sign every document of a batch with a handful of whole-batch numpy operations."""
        keyed, shingles = self._shingle_batch(docs)
        sizes = np.array([len(s) for s in shingles])
        signatures = np.zeros((len(docs), self.num_perm), dtype=np.uint32)
        keys: list[list[bytes]] = [[] for _ in docs]
        nonempty = sizes > 0
        if nonempty.any():
            flat = np.concatenate([s for s in shingles if len(s)]).astype(np.uint32)
            permuted = (flat[None, :] ^ self._s[:, None]) * self._a[:, None]
            permuted ^= permuted >> np.uint32(15)
            starts = np.concatenate([[0], np.cumsum(sizes[nonempty])[:-1]])
            signatures[nonempty] = np.minimum.reduceat(permuted, starts, axis=1).T
            width, step = self.bands * self.rows, self.rows * 4
            for doc in np.flatnonzero(nonempty):
                row = signatures[doc, :width].tobytes()
                keys[doc] = [row[b * step : (b + 1) * step] for b in range(self.bands)]
        return SignedBatch(shingles, keyed, sizes, signatures, keys)

    def _shingle_batch(self, docs: list[list[bytes]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sorted unique 32-bit hashes of every document's k-word shingles (crc32 word ids, combined in numpy),
        tagged with the document's position in the high 32 bits (see `SignedBatch.keyed`), and per document untagged."""
        k = self.shingle
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
        unique = sorted_unique(keyed)
        bounds = np.searchsorted(unique >> np.uint64(32), np.arange(len(docs) + 1, dtype=np.uint64))
        return unique, [unique[bounds[d] : bounds[d + 1]] & _MASK32 for d in range(len(docs))]

    def _short_hash(self, words: list[bytes]) -> np.uint64:
        value = np.uint64(0)
        for w in words:
            value = (value * _MIX ^ np.uint64(self._word_ids[w])) & _MASK32
        return value


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` of a 1-d array by sorting: numpy 2.4's hash-based unique took 12x longer on a batch's shingles."""
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
