"""The static embedder: SIF weighting, the common direction removed, and (slow) the distilled MiniLM table's
quality against the full model on the example corpus."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tunedesk.models.static_embed import StaticEmbedder

WORDS = ["return", "boots", "refund", "parcel", "late", "password", "reset", "the", "my", "a", "football", "score"]


class WordTokenizer:
    """Splits on spaces; a word's id is its place in WORDS (unknown words dropped)."""

    def __call__(self, text: str, **_: object) -> dict[str, list[int]]:
        return {"input_ids": [WORDS.index(w) for w in text.lower().split() if w in WORDS]}


def embedder(corpus: list[str]) -> StaticEmbedder:
    rng = np.random.default_rng(0)
    table = rng.normal(size=(len(WORDS), 16)).astype("float32")
    counts = {i: sum(WordTokenizer()(t)["input_ids"].count(i) for t in corpus) for i in range(len(WORDS))}
    total = sum(counts.values())
    weights = np.array([1e-3 / (1e-3 + counts[i] / total) for i in range(len(WORDS))], dtype="float32")
    return StaticEmbedder(WordTokenizer(), table, weights).fit(corpus)


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_frequent_words_weigh_less_and_the_shared_direction_is_removed() -> None:
    corpus = ["the return my boots", "the refund my parcel", "the parcel late", "the password reset", "the boots"]
    embed = embedder(corpus)
    assert embed.weights[WORDS.index("the")] < embed.weights[WORDS.index("password")]
    vectors = embed(corpus)
    assert vectors.shape == (5, 16)
    assert np.allclose(vectors.mean(0) @ embed.component.T, 0, atol=1e-4)  # centred, component projected out
    same = embed(["return boots", "boots return the"])
    assert cos(same[0], same[1]) > 0.95  # word order and a stop word hardly matter
    assert not embed(["unknown words only"]).any()  # nothing known: a zero vector, never an error


@pytest.mark.slow
def test_distilled_minilm_finds_categories_as_well_as_the_full_model(tmp_path: Path) -> None:
    from tunedesk.models.embed import minilm_embedder
    from tunedesk.models.static_embed import static_embedder

    data = Path(__file__).parents[1] / "demo-workspace" / "data"
    if not (data / "train.jsonl").is_file():
        pytest.skip("needs demo-workspace/data from `make demo`")
    rows = [json.loads(x) for x in (data / "train.jsonl").read_text().splitlines()]
    held = [json.loads(x) for x in (data / "holdout.jsonl").read_text().splitlines()]
    corpus, cats = [r["messages"][-2]["content"] for r in rows], [r["category"] for r in rows]
    queries, truth = [r["messages"][-2]["content"] for r in held], [r["category"] for r in held]
    accuracy = {}
    for name, embed in (("static", static_embedder(corpus, tmp_path)), ("minilm", minilm_embedder())):
        assert embed is not None, f"{name}: MiniLM is not installed"
        a, b = np.asarray(embed(corpus)), np.asarray(embed(queries))
        a, b = a / np.linalg.norm(a, axis=1, keepdims=True), b / np.linalg.norm(b, axis=1, keepdims=True)
        nearest = (b @ a.T).argmax(1)
        accuracy[name] = np.mean([cats[j] == t for j, t in zip(nearest, truth, strict=True)])
    assert accuracy["static"] >= accuracy["minilm"] - 0.05, accuracy
