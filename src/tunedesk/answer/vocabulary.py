"""The workspace's support vocabulary: the content words of its policies, KB and training customers' messages.

The off_topic guard asks what share of a message's content words the business has ever used or been asked about.
"will rain damage the parcel left outside?" shares most of its words with support tickets; "what's the weather this
weekend" shares few. Words are compared lower-cased and crudely stemmed (plural -s, -ing, -ed), with English
function words and words every message uses ("please", "help", "know") left out of both sides.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_STOP_WORDS = """
a about above after again against all also am an and any anyone anything are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each else
even ever every few for from further get gets getting got had hadn't has hasn't have haven't having he he'd he'll her
here hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let let's
me more most much my myself no nor not now of off on once only or other ought our ours ourselves out over own please
quite rather really same she she'd she'll she's should shouldn't so some still such than that that's the their theirs
them themselves then there there's these they they'd they'll they're they've this those through to too under until
up us very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who
who's whom why why's will with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
hi hello hey dear thanks thank thx cheers regards best kind kindly help need want know like tell ask asking wondering
wonder question questions possible sure okay ok yes yeah one two day days today tomorrow soon just well good great
"""
_STOP = frozenset(_STOP_WORDS.split())
"""Function words and words of any message, on topic or not: they say nothing about what it is about."""


def stem(word: str) -> str:
    """A crude English stem, enough to match plurals and verb forms: stoves, stove → stov; snapped, snap → snap."""
    word = word.removesuffix("'s")
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: len(word) - len(suffix)] + keep
            break
    word = word.removesuffix("e") if len(word) > 3 else word
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":
        word = word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The stemmed content words of a text, in order (function words and generic words left out)."""
    return [stem(w) for w in _TOKEN.findall(text.lower()) if w not in _STOP and len(w) > 1]


@dataclass(frozen=True)
class SupportVocabulary:
    """The stemmed content words a business's support texts use."""

    words: frozenset[str]

    @classmethod
    def from_texts(cls, texts: Iterable[str], always: Iterable[str] = (), min_texts: int = 2) -> SupportVocabulary:
        """The words at least `min_texts` of the texts (training customers' messages, KB passages) use — a word one
        customer used once says little about the business — and every word of `always` (policies, keywords)."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(set(content_words(text)))
        found = {word for word, n in counts.items() if n >= min_texts}
        for text in always:
            found.update(content_words(text))
        return cls(frozenset(found))

    def share(self, text: str) -> tuple[float, int]:
        """The share of the text's content words in the vocabulary, and how many content words it has (a text
        without any has share 1.0: nothing in it is off topic)."""
        words = content_words(text)
        if not words:
            return 1.0, 0
        return sum(w in self.words for w in words) / len(words), len(words)
