"""How much of the held-out set a lookup table would answer: the share of held-out replies that have a near-twin
among the training replies (Jaccard of 5-character shingles at least 0.9, lower-cased and whitespace collapsed).
High, and retrieving the nearest past reply scores about as well as a fine-tuned model; the dataset card says it.
Candidates come from MinHash LSH, every candidate is checked exactly."""

from __future__ import annotations

from collections import Counter

from datasketch import MinHash, MinHashLSH

THRESHOLD = 0.9
SHINGLE = 5
PERMUTATIONS = 64
LSH_THRESHOLD = 0.7
"""Below THRESHOLD, so LSH misses almost no pair at it; the exact check decides."""


def shingles(text: str) -> set[str]:
    """The text's 5-character shingles, lower-cased with whitespace collapsed."""
    flat = " ".join(text.lower().split())
    return {flat[i:i + SHINGLE] for i in range(max(1, len(flat) - SHINGLE + 1))}


def _minhash(found: set[str]) -> MinHash:
    signature = MinHash(num_perm=PERMUTATIONS, seed=1)
    signature.update_batch([s.encode() for s in found])
    return signature


def near_twins(held_out: list[tuple[str, str]], training: list[str]) -> dict[str, object]:
    """For (kind, reply) pairs of the held-out set: the share with a near-twin in `training`, overall and by
    kind."""
    index = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=PERMUTATIONS)
    train_sets = [shingles(text) for text in training]
    for n, found in enumerate(train_sets):
        index.insert(str(n), _minhash(found))
    seen, twinned = Counter[str](), Counter[str]()
    for kind, reply in held_out:
        found = shingles(reply)
        seen[kind] += 1
        candidates = (train_sets[int(key)] for key in index.query(_minhash(found)))
        twinned[kind] += any(len(found & other) / len(found | other) >= THRESHOLD for other in candidates)
    total = sum(seen.values())
    return {"threshold": THRESHOLD, "shingle": SHINGLE, "held_out": total,
            "share": round(sum(twinned.values()) / total, 4) if total else None,
            "by_kind": {kind: {"n": seen[kind], "share": round(twinned[kind] / seen[kind], 4)}
                        for kind in sorted(seen)}}
