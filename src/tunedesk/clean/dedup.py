"""Exact and near-duplicate detection over cleaned conversations: MinHash signatures + LSH banding + exact check.

Tickets are checked in a stable order; the first of a group is kept and later ones point at it. Batches are signed
by `minhash.Signer`; bands are looked up in plain dicts; the MinHash estimate screens LSH candidates and the exact
Jaccard similarity of the shingle sets decides, so results are deterministic.

A batch's candidate pairs are screened and their shared shingles counted together, in whole-batch numpy passes
(`_screen`), before its documents are decided one by one: the per-pair numpy calls of a document-by-document check
cost more than the arithmetic itself.
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tunedesk.clean.minhash import SignedBatch, Signer, normalised_words, sorted_unique
from tunedesk.config import DedupConfig

TOP_CANDIDATES = 8
BUCKET_CAP = 32
ESTIMATE_MARGIN = 0.12


@dataclass(frozen=True)
class DuplicateHit:
    """A ticket found to duplicate an earlier kept one."""

    reason: str  # "duplicate" | "near_duplicate"
    original: str
    similarity: float


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

    batch: SignedBatch
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
        self._signer = Signer(config)
        self._band_mix = np.random.default_rng(2).integers(1, 2**63, size=self._signer.rows, dtype=np.uint64)
        self._buckets: list[dict[bytes, list[int]]] = [{} for _ in range(self._signer.bands)]
        self._kept_keys: list[str] = []
        self._kept_shingles: list[np.ndarray] = []
        self._kept_sets: dict[int, frozenset[int]] = {}
        self._kept_signatures = np.empty((1024, config.num_perm), dtype=np.uint32)
        self._exact: dict[bytes, str] = {}

    def check(self, key: str, text: str) -> DuplicateHit | None:
        """One ticket; see `check_batch`."""
        return self.check_batch([(key, text)])[0]

    def check_batch(self, items: Sequence[tuple[str, str]]) -> list[DuplicateHit | None]:
        """For each (key, text) in order: its duplicate hit, or None after remembering it as kept."""
        words = [normalised_words(text) for _, text in items]
        screened = self._screen(self._signer.sign(words)) if self.config.near else None
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
            signed = self._signer.sign(words)
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

    def _screen(self, batch: SignedBatch) -> _Screened:
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
        pairs = sorted_unique((doc << 32) | found)
        return pairs >> 32, pairs & 0xFFFFFFFF, lengths

    def _band_pairs(self, batch: SignedBatch, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[bool]]:
        """(document, earlier document) pairs of the batch with a band in common, sorted and unique, and which
        documents have any.

        Only the first earlier documents that fit in the bucket (BUCKET_CAP less its `lengths`) are paired: as long
        as those are kept, no other can join it; `_fresh_entries` counts any pair left out when it meets one.
        """
        docs = np.flatnonzero(batch.sizes)
        bands, width = self._signer.bands, self._signer.rows
        rows = batch.signatures[docs, : bands * width].reshape(len(docs), bands, width)
        hashed = (rows.astype(np.uint64) * self._band_mix).sum(axis=2).ravel()  # a collision only adds pairs
        band = np.tile(np.arange(bands), len(docs))
        order = np.lexsort((hashed, band))  # stable: a band's equal keys stay in document order
        hashed, band, doc, room = hashed[order], band[order], np.repeat(docs, bands)[order], lengths[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (hashed[1:] != hashed[:-1]) | (band[1:] != band[:-1])
        start = np.flatnonzero(new)[np.cumsum(new) - 1]
        position = np.arange(len(order)) - start
        count = np.clip(np.minimum(position, BUCKET_CAP - room[start]), 0, None)
        offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        pairs = sorted_unique((np.repeat(doc, count) << 32) | doc[np.repeat(start, count) + offset])
        shares_band = np.zeros(len(batch.shingles), dtype=bool)
        shares_band[doc[position > 0]] = True
        return pairs >> 32, pairs & 0xFFFFFFFF, shares_band.tolist()

    def _agreement(self, batch: SignedBatch, doc: np.ndarray, signatures: np.ndarray) -> np.ndarray:
        """On how many permutations each batch document's MinHash signature agrees with the matching row."""
        return np.count_nonzero(signatures == batch.signatures[doc], axis=1)

    def _entries(self, batch: SignedBatch, doc: np.ndarray, others: list[np.ndarray], index: np.ndarray,
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
    def _shared_counts(batch: SignedBatch, doc: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
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
