"""Exact and near-duplicate detection: planted pairs are caught, distinct tickets are not."""

from __future__ import annotations

import random
import string
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tunedesk.clean import dedup as dedup_module
from tunedesk.clean.dedup import ESTIMATE_MARGIN, Deduplicator, DuplicateHit, _Screened
from tunedesk.clean.minhash import HashSet, lsh_bands, normalise, normalised_words
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**40), max_size=300, unique=True), st.lists(st.integers(0, 2**40), max_size=300))
def test_the_hash_set_answers_exactly_like_a_set(values: list[int], queries: list[int]) -> None:
    # Few distinct values make slot collisions common: those values must still be found.
    members = HashSet(np.array(sorted(values), dtype=np.uint64))
    queries += values[::2]
    found = members.contains(np.array(queries, dtype=np.uint64))
    assert found.tolist() == [q in set(values) for q in queries]


def test_shared_counts_equal_set_intersections() -> None:
    rng = random.Random(5)
    dedup = Deduplicator(DedupConfig(shingle=1))
    batch = dedup._signer.sign([[f"w{i}".encode() for i in rng.sample(range(300), 50)] for _ in range(3)])
    others = [np.array(sorted(rng.sample(range(2**20), 60)), dtype=np.uint64) for _ in range(5)]
    others += [batch.shingles[0][::2], batch.shingles[2]]
    doc = np.array([0, 1, 2, 1, 0, 0, 2])
    expected = [len(set(batch.shingles[d].tolist()) & set(o.tolist())) for d, o in zip(doc, others, strict=True)]
    assert Deduplicator._shared_counts(batch, doc, others).tolist() == expected
    assert expected[-2:] == [25, 50]


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


class _Reference(Deduplicator):
    """The near-duplicate check as it was before batches were screened: each document's candidates looked up in the
    live buckets when its turn comes. The batch-wide screening must give exactly its hits and leave exactly its
    index."""

    def _near_hit(self, screened: _Screened, i: int) -> DuplicateHit | None:
        batch = screened.batch
        return self._reference_hit(batch.shingles[i], batch.signatures[i], batch.band_keys[i])

    def _reference_hit(self, shingles: np.ndarray, signature: np.ndarray, keys: list[bytes]) -> DuplicateHit | None:
        candidates = self._candidates(keys)
        if not candidates:
            return None
        if len(candidates) > dedup_module.TOP_CANDIDATES:
            rows = self._kept_signatures.take(candidates, axis=0)
            agree = np.count_nonzero(rows == signature, axis=1)
            floor = (self.config.threshold - ESTIMATE_MARGIN) * self.config.num_perm
            order = np.argsort(-agree, kind="stable")[: dedup_module.TOP_CANDIDATES]
            candidates = [candidates[j] for j in order[agree[order] >= floor].tolist()]
        sizes = [len(self._kept_shingles[idx]) for idx in candidates]
        mine = len(shingles)
        passing = [(idx, size) for idx, size in zip(candidates, sizes, strict=True)
                   if min(size, mine) / max(size, mine) >= self.config.threshold]
        best: tuple[float, int] | None = None
        for idx, size in passing:
            shared = len(set(shingles.tolist()) & set(self._kept_shingles[idx].tolist()))
            similarity = shared / (mine + size - shared)
            if similarity >= self.config.threshold and (best is None or similarity > best[0]):
                best = (similarity, idx)
        return DuplicateHit("near_duplicate", self._kept_keys[best[1]], round(best[0], 3)) if best else None


@st.composite
def _batches(draw: st.DrawFn) -> list[list[str]]:
    """Batches of texts over a few words, many of them copies or small edits of earlier ones (of any batch)."""
    vocab = [f"w{i}" for i in range(draw(st.integers(2, 12)))]
    word_lists = st.lists(st.sampled_from(vocab), max_size=14)
    made: list[list[str]] = []
    batches = []
    for _ in range(draw(st.integers(1, 4))):
        batch = []
        for _ in range(draw(st.integers(0, 30))):
            copy: bool = bool(made) and draw(st.booleans())
            if copy:
                words = list(draw(st.sampled_from(made)))
                for _ in range(draw(st.integers(0, 2))):
                    at = draw(st.integers(0, len(words)))
                    words[at : at + draw(st.integers(0, 1))] = [draw(st.sampled_from(vocab))]
            else:
                words = draw(word_lists)
            made.append(words)
            batch.append(" ".join(words) + draw(st.sampled_from(["", "!", " <NAME_3>"])))
        batches.append(batch)
    return batches


@settings(max_examples=300, deadline=None)
@given(_batches(), st.sampled_from([0.3, 0.37, 0.5, 0.62, 0.8, 1.0]), st.sampled_from([16, 32, 64]), st.integers(1, 3),
       st.booleans(), st.integers(1, 8), st.integers(1, 8))
def test_batch_screening_gives_exactly_the_per_document_results(
        batches: list[list[str]], threshold: float, num_perm: int, shingle: int, exact: bool, cap: int,
        top: int) -> None:
    # Small buckets and a short top list put the cap, the top selection and its floor to work on small batches;
    # at 0.37 and 0.62 the floor is a whole number of permutations, so an estimate can sit right on it.
    config = DedupConfig(threshold=threshold, num_perm=num_perm, shingle=shingle, exact=exact)
    with mock.patch.object(dedup_module, "BUCKET_CAP", cap), mock.patch.object(dedup_module, "TOP_CANDIDATES", top):
        fast, reference = Deduplicator(config), _Reference(config)
        for b, texts in enumerate(batches):
            items = [(f"{b}-{i}", text) for i, text in enumerate(texts)]
            assert fast.check_batch(items) == reference.check_batch(items)
    assert fast._kept_keys == reference._kept_keys and fast._exact == reference._exact
    assert fast._buckets == reference._buckets
