"""The intent: one sub-question of a category, with how customers ask it and how agents answer it."""

from __future__ import annotations

from dataclasses import dataclass

from tunedesk.example.brand import OUTDATABLE


@dataclass(frozen=True)
class Intent:
    """Templates for one sub-question (`returns.window`).

    `asks` are customer phrasings, `answers` the agent answer bodies (greeting and sign-off are added around
    them); both name slots (`{item}`, `{order}`) and answers also name policy facts (`{return_days}`).
    `item` picks which products the ticket can be about (see catalog.ITEM_KINDS).
    """

    key: str
    item: str
    subjects: tuple[str, ...]
    asks: tuple[str, ...]
    answers: tuple[str, ...]

    @property
    def category(self) -> str:
        """The category the intent belongs to."""
        return self.key.split(".", 1)[0]

    @property
    def needs_order(self) -> bool:
        """Answers quote the order, so an agent without it asks for the order number first."""
        return any("{order}" in answer for answer in self.answers)

    def outdatable_answers(self) -> tuple[str, ...]:
        """The answers that state a fact whose value changed, so they can be rendered with the old value."""
        return tuple(a for a in self.answers if any("{" + fact + "}" in a for fact in OUTDATABLE))


def intent(key: str, item: str, subjects: list[str], asks: list[str], answers: list[str]) -> Intent:
    """An Intent from lists (the data modules read better with lists)."""
    return Intent(key, item, tuple(subjects), tuple(asks), tuple(answers))
