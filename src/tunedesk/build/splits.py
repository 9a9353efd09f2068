"""Held-out, validation and training splits: stratified by category and kind, deterministic for a seed, and
leakage-free — tickets whose customer messages are near-duplicates form one cluster, and a cluster never
straddles two splits.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from tunedesk.clean.dedup import Deduplicator
from tunedesk.config import DatasetConfig, DedupConfig

Stratum = tuple[str, str]  # (category, kind)


@dataclass(frozen=True)
class Unit:
    """One ticket to place: its id, its stratum and the customer's words (for clustering)."""

    ticket_id: str
    stratum: Stratum
    customer_text: str


def holdout_target(total: int, config: DatasetConfig) -> int:
    """How many tickets to hold out: a count or a fraction, never more than the maximum share."""
    wanted = config.holdout if config.holdout >= 1 else config.holdout * total
    return max(0, min(round(wanted), int(total * config.holdout_max_fraction)))


def clusters(units: list[Unit], threshold: float) -> dict[str, list[Unit]]:
    """Near-duplicate clusters by customer text (word pairs, exact Jaccard ≥ threshold), keyed by first ticket."""
    dedup = Deduplicator(DedupConfig(threshold=threshold, shingle=2, num_perm=64))
    root_of = dedup.cluster([(u.ticket_id, u.customer_text) for u in units])
    grouped: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        grouped[root_of[unit.ticket_id]].append(unit)
    return dict(grouped)


def assign_splits(units: list[Unit], config: DatasetConfig,
                  groups: dict[str, list[Unit]] | None = None) -> tuple[dict[str, str], dict[str, int]]:
    """ticket id → split, and statistics (clusters, tickets in multi-ticket clusters); `groups` are the
    near-duplicate clusters when already computed."""
    groups = groups if groups is not None else clusters(units, config.leakage_threshold)
    rng = random.Random(config.seed)
    order = sorted(groups)
    rng.shuffle(order)
    holdout = _stratified_pick(groups, order, holdout_target(len(units), config), set())
    rest = len(units) - sum(len(groups[g]) for g in holdout)
    validation = _stratified_pick(groups, order, round(rest * config.validation), holdout)
    split: dict[str, str] = {}
    for key, members in groups.items():
        name = "holdout" if key in holdout else "val" if key in validation else "train"
        for unit in members:
            split[unit.ticket_id] = name
    shared = sum(len(m) for m in groups.values() if len(m) > 1)
    return split, {"clusters": len(groups), "tickets_in_shared_clusters": shared}


def _stratified_pick(groups: dict[str, list[Unit]], order: list[str], target: int, taken: set[str]) -> set[str]:
    """Clusters for a split of about `target` tickets, each stratum in proportion and every stratum with at
    least three tickets represented. A cluster is taken only when it brings its stratum at least as close to its
    quota as leaving it out: one outsized cluster (65 near-identical "track my refund" tickets) would otherwise fill
    a quota of 5 by itself and make more than a quarter of the split one question, so it stays in training."""
    if target <= 0:
        return set()
    sizes = Counter(u.stratum for key in order if key not in taken for u in groups[key])
    total = sum(sizes.values())
    quota = {s: max(1 if n >= 3 else 0, round(target * n / total)) for s, n in sizes.items()}
    picked: set[str] = set()
    filled: Counter[Stratum] = Counter()
    for key in order:
        if key in taken:
            continue
        stratum = Counter(u.stratum for u in groups[key]).most_common(1)[0][0]
        if filled[stratum] < quota[stratum] and len(groups[key]) <= 2 * (quota[stratum] - filled[stratum]):
            picked.add(key)
            filled.update(u.stratum for u in groups[key])
    return picked
