"""A sound lower bound on VADER's compound sentiment, cheap enough to spare VADER most texts.

VADER (vaderSentiment 3.3) sums one valence per token, each the lexicon value adjusted by the three tokens before it
(boosters, negations, "never so", "least", "no") and by capitals, scales the sums before and after a "but", adds
punctuation emphasis and normalises: compound = s / sqrt(s² + 15). `may_fall_below` bounds every token's valence
from below, with the adjustments at their worst, and says False only when even that floor keeps the compound at or
above the threshold; VADER itself scores every text it lets through.
"""

from __future__ import annotations

import string
from functools import lru_cache
from itertools import compress
from typing import Any

C_INCR = 0.733  # VADER's capitals emphasis
N_SCALAR = 0.74  # a negation multiplies by -0.74: it never grows a valence
_SCALE = 1.25  # "never so", "so", "this" before a word
_SO_THIS = frozenset({"so", "this"})
_SLACK = 1e-9  # floating-point error of summing in another order
_ROUND_SLACK = 1e-4  # the compound is rounded to 4 decimals before the comparison
_PUNCTUATION = string.punctuation


@lru_cache(maxsize=1)
def analyzer() -> Any:
    """The process's one VADER analyser (loading its lexicon takes a while)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, float], dict[str, float], frozenset[str], frozenset[str], frozenset[str],
                       tuple[str, ...]]:
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

    lexicon = analyzer().lexicon
    # Words that can flip a following word's sign: negations, "no" (VADER's own rule), "least", and dampeners
    # ("barely"), which pull a small positive valence below zero.
    flips = frozenset(NEGATE) | {"no", "least"} | {w for w, v in BOOSTER_DICT.items() if v < 0}
    emoji = frozenset(c for c in analyzer().emojis if len(c) == 1)
    # Multi-word idioms and boosters replace or shift a valence: texts with one go to VADER unbounded. VADER
    # matches them on whole tokens, so a text without the longest word of any of them has none.
    phrases = tuple(sorted({k for k in SPECIAL_CASES if " " in k} | {k for k in BOOSTER_DICT if " " in k}))
    phrase_words = frozenset(max(p.split(), key=len) for p in phrases)
    return lexicon, BOOSTER_DICT, flips, emoji, phrase_words, phrases


def may_fall_below(text: str, threshold: float) -> bool:
    """False only when VADER's rounded compound score for `text` cannot be below `threshold`."""
    lexicon, boosters, flips, emoji, phrase_words, phrases = _tables()
    limit = threshold + _ROUND_SLACK
    if limit <= -1:
        return False  # the compound is never below -1
    if limit >= 0 or (not text.isascii() and not emoji.isdisjoint(text)):
        return True  # emoji become words first: VADER decides
    # SentiText's tokens: split on whitespace, punctuation stripped from both ends unless 2 characters or fewer
    # would remain; "capital differential" when some but not all tokens are upper case.
    words = [s if len(s := w.strip(_PUNCTUATION)) > 2 else w for w in text.split()]
    uppers = sum(map(str.isupper, words))
    cap_diff = 0 < len(words) - uppers < len(words)
    lowered = list(map(str.lower, words))
    if not phrase_words.isdisjoint(lowered) and any(p in " ".join(lowered) for p in phrases):
        return True
    but = lowered.index("but") if "but" in lowered else -1
    floor = 0.0
    negated_nt = any("n't" in w for w in lowered)
    for i in compress(range(len(lowered)), map(lexicon.__contains__, lowered)):
        word = lowered[i]
        if word in boosters:
            continue  # VADER gives a booster 0 even when it is in the lexicon
        valence = lexicon[word]
        before = lowered[max(0, i - 3):i]
        if valence > 0 and flips.isdisjoint(before) and not (negated_nt and any("n't" in w for w in before)):
            low = valence  # boosters, capitals and "so" only push a positive valence further up
        else:
            low = -_magnitude(valence, i, words, lowered, cap_diff, boosters)
        floor += low * _but_factor(i, but, low)
    emphasis = analyzer()._punctuation_emphasis(text)
    needed = -limit * (15 / (1 - limit * limit)) ** 0.5
    return floor - emphasis < -needed + _SLACK


def _magnitude(valence: float, i: int, words: list[str], lowered: list[str], cap_diff: bool,
               boosters: dict[str, float]) -> float:
    """The most |valence| VADER can give word `i` (lexicon value `valence`) before the "but" rule.

    Capitals add 0.733, up to three boosters before it add their value (scaled 1, 0.95, 0.9, with 0.733 more in
    capitals) and "so"/"this" multiply by 1.25; negations, "no" and "least" multiply by -0.74, which never grows it.
    """
    bound = abs(valence) + (C_INCR if cap_diff and words[i].isupper() else 0.0)
    for back, damp in ((1, 1.0), (2, 0.95), (3, 0.9)):
        if i < back:
            break
        boost = boosters.get(lowered[i - back])
        if boost is not None:
            bound += (abs(boost) + (C_INCR if cap_diff and words[i - back].isupper() else 0.0)) * damp
        if back > 1 and _scaled(lowered, i, back):
            bound *= _SCALE
    return bound


def _scaled(lowered: list[str], i: int, back: int) -> bool:
    """VADER's "never so/this" rule (and its "so/this" right before the word) at the second or third token back."""
    if back == 2:
        return lowered[i - 2] == "never" and lowered[i - 1] in _SO_THIS
    return (lowered[i - 3] == "never" and lowered[i - 2] in _SO_THIS) or lowered[i - 1] in _SO_THIS


def _but_factor(i: int, but: int, low: float) -> float:
    """The worst of the factors VADER's "but" rule can apply to word `i`'s valence (see `_but_check`).

    It halves what comes before the first "but" and multiplies what follows by 1.5 — but it finds each value by
    `list.index`, so a later word whose value also occurs before the "but" is halved instead, and the "but"
    position itself may be halved.
    """
    if but < 0:
        return 1.0
    if i < but:
        return 0.5
    if i == but:
        return 1.0 if low < 0 else 0.5
    return 1.5 if low < 0 else 0.5


def compound(text: str) -> float:
    """VADER's rounded compound score, `polarity_scores(text)["compound"]`, without its emoji pass when no emoji.

    polarity_scores first copies the text character by character, replacing emoji by their descriptions; on a
    text without any that copy is the text itself, so the rest of polarity_scores runs on `text.strip()` as is.
    """
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentiText

    vader = analyzer()
    if not text.isascii() and not _tables()[3].isdisjoint(text):
        return float(vader.polarity_scores(text)["compound"])
    text = text.strip()
    sentitext = SentiText(text)
    sentiments: list[float] = []
    words = sentitext.words_and_emoticons
    for i, item in enumerate(words):  # polarity_scores' loop, unchanged
        if item.lower() in BOOSTER_DICT:
            sentiments.append(0)
            continue
        if i < len(words) - 1 and item.lower() == "kind" and words[i + 1].lower() == "of":
            sentiments.append(0)
            continue
        sentiments = vader.sentiment_valence(0, sentitext, item, i, sentiments)
    sentiments = vader._but_check(words, sentiments)
    return float(vader.score_valence(sentiments, text)["compound"])
