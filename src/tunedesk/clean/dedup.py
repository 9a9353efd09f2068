"""Exact and near-duplicate detection over cleaned conversations: MinHash signatures + LSH banding + exact check.

Tickets are checked in a stable order; the first of a group is kept and later ones point at it.

Why not datasketch's MinHash/MinHashLSH objects: their per-document Python overhead (~200 µs a ticket here)
alone exceeds the clean stage's budget (5,000 tickets/s for the whole pipeline). Here a whole batch is shingled,
hashed and signed in a few numpy expressions (crc32 word ids, 32-bit xor-multiply permutations,
`minimum.reduceat` per document); bands are looked up in plain dicts; the MinHash estimate screens LSH
candidates and the exact Jaccard similarity of the shingle sets decides, so results are deterministic.

A batch's candidate pairs are screened and their shared shingles counted together, in whole-batch numpy passes
(`_screen`), before its documents are decided one by one: the per-pair numpy calls of a document-by-document check
cost more than the arithmetic itself.
"""

from __future__ import annotations

import bisect
import functools
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
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd: multiplicative hashing
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


class _HashSet:
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
class _Batch:
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
    def members(self) -> _HashSet:
        """`keyed` as a hash set, built when first asked (`cluster` never asks)."""
        return _HashSet(self.keyed)


@dataclass
class _Screened:
    """A batch with its candidate pairs screened and counted in whole-batch numpy passes, before any is decided.

    Buckets only grow, so a document's candidates among those kept before the batch stay valid while the batch is
    decided: `counts` says how many it has, `entries` holds the TOP_CANDIDATES with most MinHash agreement (all of
    them when there are no more) as (agreement, kept index, size, shared shingles) in index order. Candidates kept
    during the batch are earlier documents of the batch with a band in common: `peers` holds such pairs (document,
    earlier document) with the earlier one's batch position as index, `shares_band` which documents have any, and
    `joined` the batch positions of the documents kept so far, from kept index `first` on. Shared is -1 for a pair
    that cannot pass the floor or the size ratio.
    """

    batch: _Batch
    first: int
    counts: list[int]
    entries: list[list[tuple[int, int, int, int]]]
    peers: dict[tuple[int, int], tuple[int, int, int, int]]
    shares_band: list[bool]
    joined: list[int]


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
        self._band_mix = np.random.default_rng(2).integers(1, 2**63, size=self._rows, dtype=np.uint64)
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
        screened = self._screen(self._sign(words)) if self.config.near else None
        hits: list[DuplicateHit | None] = []
        for i, (key, _) in enumerate(items):
            digest = hashlib.sha1(b" ".join(words[i])).digest()
            hit = None
            if self.config.exact and digest in self._exact:
                hit = DuplicateHit("duplicate", self._exact[digest], 1.0)
            elif screened is not None and len(screened.batch.shingles[i]):
                hit = self._near_hit(screened, i)
            if hit is None:
                self._exact.setdefault(digest, key)
                if screened is not None and len(screened.batch.shingles[i]):
                    batch = screened.batch
                    screened.joined.append(i)
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

    def _candidates(self, keys: list[bytes], since: int = 0) -> list[int]:
        """Kept documents (from index `since` on) sharing a band with these keys, in the order they were kept."""
        found: set[int] = set()
        for bucket, key in zip(self._buckets, keys, strict=True):
            members = bucket.get(key)
            if members and members[-1] >= since:
                found.update(members[bisect.bisect_left(members, since):] if since else members)
        return sorted(found)

    def _screen(self, batch: _Batch) -> _Screened:
        """Every document's candidates kept before the batch and the pairs it may meet within it, screened and counted.

        A document's TOP_CANDIDATES best estimates among the former contain every one of them that can make its
        top once candidates kept during the batch (later indices, so after them among equal estimates) join in.
        """
        doc, idx, lengths = self._earlier_pairs(batch.band_keys)
        agree = self._agreement(batch, doc, self._kept_signatures.take(idx, axis=0))
        counts = np.bincount(doc, minlength=len(batch.shingles))
        by_estimate = np.lexsort((-agree, doc))  # stable: equal estimates stay in index order
        rank = np.arange(len(doc)) - np.repeat(np.cumsum(counts) - counts, counts)
        top = np.sort(by_estimate[rank < TOP_CANDIDATES])
        doc, idx, agree = doc[top], idx[top], agree[top]
        floor = (self.config.threshold - ESTIMATE_MARGIN) * self.config.num_perm
        below = (counts[doc] > TOP_CANDIDATES) & (agree < floor)  # fails the floor whatever joins
        rows = self._entries(batch, doc, [self._kept_shingles[k] for k in idx.tolist()], idx, agree, below)
        bounds = np.searchsorted(doc, np.arange(len(batch.shingles) + 1)).tolist()
        later, earlier, shares_band = self._band_pairs(batch, lengths)
        agree = self._agreement(batch, later, batch.signatures[earlier])
        peers = self._entries(batch, later, [batch.shingles[j] for j in earlier.tolist()], earlier, agree, later < 0)
        return _Screened(batch, len(self._kept_keys), counts.tolist(),
                         [rows[bounds[d] : bounds[d + 1]] for d in range(len(batch.shingles))],
                         dict(zip(zip(later.tolist(), earlier.tolist(), strict=True), peers, strict=True)),
                         shares_band, [])

    def _earlier_pairs(self, band_keys: list[list[bytes]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(document, kept index) of every document's LSH candidates, sorted and unique, from the buckets as they are;
        and the size of each of its buckets (documents with shingles, band by band)."""
        members = [bucket.get(key, ()) for keys in band_keys if keys
                   for bucket, key in zip(self._buckets, keys, strict=True)]
        lengths = np.fromiter(map(len, members), dtype=np.int64, count=len(members))
        found = np.fromiter(itertools.chain.from_iterable(members), dtype=np.int64, count=int(lengths.sum()))
        per_doc = np.fromiter(map(len, band_keys), dtype=np.int64, count=len(band_keys))
        doc = np.repeat(np.repeat(np.arange(len(band_keys), dtype=np.int64), per_doc), lengths)
        pairs = _sorted_unique((doc << 32) | found)
        return pairs >> 32, pairs & 0xFFFFFFFF, lengths

    def _band_pairs(self, batch: _Batch, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[bool]]:
        """(document, earlier document) pairs of the batch with a band in common, sorted and unique, and which
        documents have any.

        Only the first earlier documents that fit in the bucket (BUCKET_CAP less its `lengths`) are paired: as long
        as those are kept, no other can join it; `_fresh_entries` counts any pair left out when it meets one.
        """
        docs = np.flatnonzero(batch.sizes)
        rows = batch.signatures[docs, : self._bands * self._rows].reshape(len(docs), self._bands, self._rows)
        hashed = (rows.astype(np.uint64) * self._band_mix).sum(axis=2).ravel()  # a collision only adds pairs
        band = np.tile(np.arange(self._bands), len(docs))
        order = np.lexsort((hashed, band))  # stable: a band's equal keys stay in document order
        hashed, band, doc, room = hashed[order], band[order], np.repeat(docs, self._bands)[order], lengths[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (hashed[1:] != hashed[:-1]) | (band[1:] != band[:-1])
        start = np.flatnonzero(new)[np.cumsum(new) - 1]
        position = np.arange(len(order)) - start
        count = np.clip(np.minimum(position, BUCKET_CAP - room[start]), 0, None)
        offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        pairs = _sorted_unique((np.repeat(doc, count) << 32) | doc[np.repeat(start, count) + offset])
        shares_band = np.zeros(len(batch.shingles), dtype=bool)
        shares_band[doc[position > 0]] = True
        return pairs >> 32, pairs & 0xFFFFFFFF, shares_band.tolist()

    def _agreement(self, batch: _Batch, doc: np.ndarray, signatures: np.ndarray) -> np.ndarray:
        """On how many permutations each batch document's MinHash signature agrees with the matching row."""
        return np.count_nonzero(signatures == batch.signatures[doc], axis=1)

    def _entries(self, batch: _Batch, doc: np.ndarray, others: list[np.ndarray], index: np.ndarray,
                 agree: np.ndarray, skip: np.ndarray) -> list[tuple[int, int, int, int]]:
        """(agreement, index, size, shared shingles) of each batch document and other shingle array, shared
        counted (one numpy pass) where it may decide.

        Shared is -1 for pairs in `skip` and for those whose sizes differ too much: Jaccard similarity is at most
        the ratio of the two sizes, so such a pair is not intersected.
        """
        sizes = np.fromiter(map(len, others), dtype=np.int64, count=len(others))
        mine = batch.sizes[doc]
        wanted = ~skip & (np.minimum(sizes, mine) / np.maximum(sizes, mine) >= self.config.threshold)
        shared = np.full(len(doc), -1, dtype=np.int64)
        shared[wanted] = self._shared_counts(batch, doc[wanted], list(itertools.compress(others, wanted)))
        return list(zip(agree.tolist(), index.tolist(), sizes.tolist(), shared.tolist(), strict=True))

    @staticmethod
    def _shared_counts(batch: _Batch, doc: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
        """How many shingles each array in `others` (unique) shares with its batch document, in one numpy pass."""
        if not others:
            return np.zeros(0, dtype=np.int64)
        sizes = np.fromiter(map(len, others), dtype=np.int64, count=len(others))
        tagged = np.concatenate(others) | np.repeat(doc.astype(np.uint64) << np.uint64(32), sizes)
        return np.add.reduceat(batch.members.contains(tagged), np.cumsum(sizes) - sizes)

    def _near_hit(self, screened: _Screened, i: int) -> DuplicateHit | None:
        """Document `i`'s best near-duplicate among its screened candidates and those kept earlier in its batch.

        The MinHash estimate (standard error about 0.05 at 64 permutations) screens candidates cheaply; the exact
        Jaccard of the few most similar decides. Templated answers make big buckets, so when there are more than
        TOP_CANDIDATES candidates only the best estimates (ties to the earlier kept) above a floor are checked.
        """
        entries = screened.entries[i]
        fresh = []
        if screened.shares_band[i] and screened.joined:
            fresh = self._candidates(screened.batch.band_keys[i], since=screened.first)
            entries = entries + self._fresh_entries(screened, i, fresh)
        if screened.counts[i] + len(fresh) > TOP_CANDIDATES:
            floor = (self.config.threshold - ESTIMATE_MARGIN) * self.config.num_perm
            entries = [e for e in sorted(entries, key=lambda e: -e[0])[:TOP_CANDIDATES] if e[0] >= floor]
        mine = len(screened.batch.shingles[i])
        best: tuple[float, int] | None = None
        for _, idx, size, shared in entries:
            if shared < 0:
                continue
            similarity = shared / (mine + size - shared)
            if similarity >= self.config.threshold and (best is None or similarity > best[0]):
                best = (similarity, idx)
        return DuplicateHit("near_duplicate", self._kept_keys[best[1]], round(best[0], 3)) if best else None

    def _fresh_entries(self, screened: _Screened, i: int, fresh: list[int]) -> list[tuple[int, int, int, int]]:
        """The entries of document `i`'s candidates kept earlier in its batch: from `peers`, or counted now."""
        batch, entries = screened.batch, []
        for idx in fresh:
            j = screened.joined[idx - screened.first]
            entry = screened.peers.get((i, j))
            if entry is None:
                doc, earlier = np.array([i]), np.array([j])
                agree = self._agreement(batch, doc, batch.signatures[earlier])
                entry = self._entries(batch, doc, [batch.shingles[j]], earlier, agree, doc < 0)[0]
            entries.append((entry[0], idx, entry[2], entry[3]))
        return entries

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
        keyed, shingles = self._shingle_batch(docs)
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
        return _Batch(shingles, keyed, sizes, signatures, keys)

    def _shingle_batch(self, docs: list[list[bytes]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Sorted unique 32-bit hashes of every document's k-word shingles (crc32 word ids, combined in numpy),
        tagged with the document's position in the high 32 bits (see `_Batch.keyed`), and per document untagged."""
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
        return unique, [unique[bounds[d] : bounds[d + 1]] & _MASK32 for d in range(len(docs))]

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
