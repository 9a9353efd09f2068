"""The quality filters' non-answer check: the word-count shortcut decides exactly as the full check does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tunedesk.clean.quality import QualityRules
from tunedesk.config import CleanConfig

RULES = QualityRules(CleanConfig())
DEFERRAL = "I'll check with engineering and get back to you."
_WORDS = st.sampled_from(["Hi", "Maria,", "thanks", "I'll", "check", "with", "engineering", "and", "get", "back",
                          "to", "you.", "\n", "\u2028", "\x1c", "order", "ships", "today"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=70), st.booleans())
def test_the_word_count_shortcut_agrees_with_the_full_check(words: list[str], greet: bool) -> None:
    reply = ("Hi Maria,\n" if greet else "") + " ".join(words) + " " + DEFERRAL
    assert RULES.is_non_answer(reply, len(reply.split())) == RULES.is_non_answer(reply)


def test_a_short_deferral_is_a_non_answer_and_a_long_reply_is_not() -> None:
    assert RULES.is_non_answer("Hi Sam,\n" + DEFERRAL)
    long_reply = "Hi Sam,\n" + "Your order ships today. " * 12 + DEFERRAL
    assert not RULES.is_non_answer(long_reply, len(long_reply.split()))
