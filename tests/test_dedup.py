"""Exact and near-duplicate detection: planted pairs are caught, distinct tickets are not."""

from __future__ import annotations

import random
import string

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tunedesk.clean.dedup import Deduplicator, lsh_bands, normalise, normalised_words
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


_ALPHABET = string.printable + "\x1c\x1d\x1e\x1f\x85\xa0\u2003\u3000\u2028\u1680ÉéßİΣ’<>_"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40), st.integers(0, 30))
def test_the_fast_word_split_equals_normalise(text: str, number: int) -> None:
    # The bytes path must find exactly the words of `normalise`, Unicode spaces and case included.
    text = f"{text} <EMAIL_{number}>{text[::-1]}"
    assert normalised_words(text) == normalise(text).encode().split()


def test_shared_counts_equal_set_intersections() -> None:
    rng = random.Random(5)
    dedup = Deduplicator(DedupConfig())
    kept = [np.array(sorted(rng.sample(range(300), rng.randint(1, 60))), dtype=np.uint64) for _ in range(6)]
    dedup._kept_shingles = kept
    mine = np.array(sorted(rng.sample(range(300), 50)), dtype=np.uint64)
    expected = [len(set(mine.tolist()) & set(k.tolist())) for k in kept]
    assert dedup._shared_counts(mine, [(i, len(k)) for i, k in enumerate(kept)]) == expected
    assert expected != [0] * 6


def test_every_near_duplicate_reported_has_the_exact_similarity_of_its_word_shingles() -> None:
    # Templated replies fill the LSH buckets: whatever the screening keeps, a reported similarity is the exact
    # Jaccard similarity of the two texts' 3-word shingles, and at least the threshold.
    rng = random.Random(9)
    words = BASE.split()
    dedup = Deduplicator(DedupConfig(threshold=0.8))
    texts: dict[str, str] = {}
    hits = []
    for i in range(150):
        variant = list(words)
        for j in rng.sample(range(len(variant)), rng.randint(0, 8)):
            variant[j] = f"w{rng.randint(0, 40)}"
        texts[f"v{i}"] = " ".join(variant)
        hits.append(dedup.check(f"v{i}", texts[f"v{i}"]))
    near = [(f"v{i}", h) for i, h in enumerate(hits) if h is not None and h.reason == "near_duplicate"]
    assert len(near) > 10
    for key, hit in near:
        exact = _jaccard(texts[key], texts[hit.original])
        assert hit.similarity == round(exact, 3) and exact >= 0.8


def _jaccard(a: str, b: str) -> float:
    def shingles(text: str) -> set[tuple[str, ...]]:
        w = normalise(text).split()
        return {tuple(w[i : i + 3]) for i in range(len(w) - 2)}

    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)
