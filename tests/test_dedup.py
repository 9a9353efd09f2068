"""Exact and near-duplicate detection: planted pairs are caught, distinct tickets are not."""

from __future__ import annotations

import random

from tunedesk.clean.dedup import Deduplicator, lsh_bands, normalise
from tunedesk.config import DedupConfig

BASE = (
    "Hi, I ordered the Summit 40L pack last week and it still has not arrived. Can you tell me when it will ship? "
    "Thanks <NAME_1>\n\nHi <NAME_1>, thanks for reaching out! Your order shipped yesterday and should arrive within "
    "3 to 5 business days. You can track it from your account page."
)


def test_exact_duplicate_ignores_case_punctuation_and_placeholder_numbers() -> None:
    dedup = Deduplicator(DedupConfig())
    assert dedup.check("a", BASE) is None
    hit = dedup.check("b", BASE.upper().replace("<NAME_1>", "<NAME_2>").replace("!", "."))
    assert hit is not None and hit.reason == "duplicate" and hit.original == "a"


def test_near_duplicate_with_a_changed_word_is_caught_with_exact_similarity() -> None:
    dedup = Deduplicator(DedupConfig(threshold=0.8))
    dedup.check("a", BASE)
    hit = dedup.check("b", BASE.replace("Summit 40L", "Ridgeline"))
    assert hit is not None and hit.reason == "near_duplicate" and hit.original == "a"
    assert 0.8 <= hit.similarity < 1.0


def test_different_tickets_are_kept() -> None:
    dedup = Deduplicator(DedupConfig())
    texts = [
        BASE,
        "What are your store hours on Sunday? We are open 10am to 5pm on Sundays at the Pearl Street store.",
        "Can I use two discount codes on one order? Only one code can be applied per order, sorry.",
        "My tent pole arrived cracked. Please send a photo and we will ship a replacement right away.",
    ]
    assert [dedup.check(str(i), t) for i, t in enumerate(texts)] == [None] * 4


def test_batch_catches_duplicates_inside_the_same_batch() -> None:
    dedup = Deduplicator(DedupConfig())
    hits = dedup.check_batch([("a", BASE), ("b", BASE), ("c", "totally different text about tents and poles")])
    assert hits[0] is None and hits[1] is not None and hits[1].original == "a" and hits[2] is None


def test_a_batch_with_no_words_is_no_error() -> None:
    # found by real data (ABCD): a clean batch whose only texts have no words once normalised
    dedup = Deduplicator(DedupConfig())
    assert dedup.check_batch([]) == []
    assert dedup.check_batch([("a", "!!!")]) == [None]


def test_disabled_dedup_keeps_everything() -> None:
    dedup = Deduplicator(DedupConfig(exact=False, near=False))
    assert dedup.check("a", BASE) is None and dedup.check("b", BASE) is None


def test_recall_on_random_one_word_edits() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(3000)]
    dedup = Deduplicator(DedupConfig(threshold=0.8))
    originals = [[rng.choice(vocab) for _ in range(60)] for _ in range(200)]
    for i, words in enumerate(originals):
        assert dedup.check(f"o{i}", " ".join(words)) is None
    caught = 0
    for words in originals:
        edited = list(words)
        edited[rng.randrange(len(edited))] = "changed"
        caught += dedup.check("x", " ".join(edited)) is not None
    assert caught >= 195  # true Jaccard ≈ 0.9; LSH may miss a rare one, never a false positive


def test_normalise_and_bands() -> None:
    assert normalise("Hi <EMAIL_3>,  Thanks!") == "hi <email> thanks"
    bands, rows = lsh_bands(0.65, 64)
    assert bands * rows <= 64 and bands > 1
