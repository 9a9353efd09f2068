"""The `rubric` judge: deterministic, CPU only, no network. Scores 3 (correct), 2 (partial) or 1 (wrong).

Each rule caps the score; the verdict is the lowest cap, and its reasons are sorted most severe first.

- Empty reply → 1.
- Escalation: expected when the reference carries `[[escalate: …]]` (or the item's kind is escalation), predicted
  when the reply does. Missed → 1; escalating a ticket that should be answered → 1 (a wrong decision; the metrics
  layer counts these separately); right decision, a reason code naming another hand-over (codes and aliases in
  conduct.REASON_ALIASES) → 2; a code naming none (negative_sentiment, a made-up one) is only noted.
- Policy: a reply contradicting ANY current fact of policies.yaml (PolicyChecker) → 1.
- Grounding: order numbers, amounts, dates, URLs, emails, phones and multi-word product names must appear in the
  prompt, the reference, the KB or the policies; otherwise each is a hallucination → 1, except a name placeholder
  only in the greeting ("Hi <NAME_1>," to a customer who gave none) → 2. A quoted label or a run of interface words
  in its place ("the Order History section") names where to look, not a product (grounding.interface_labels).
- Refusal items: the reply must decline and must not take up the question → else 1. Any other item refused (the
  voice's refusal or a first-person "unable to assist with …", conduct.refuses) → 1.
- cannot_know items: the reply must say it cannot see live data (→ else 1) and invent no status or stock figure
  (→ else 1); not saying how to check → 2.
- Answer items: similarity to the reference < `low_similarity` → 1 (off the point). Facts whose value the
  reference states are expected: none of them stated → 1 (another answer; with a single expected fact only when
  similarity < `high_similarity`), some missing → 2 unless similarity ≥ `high_similarity`. With no expected
  facts, similarity below `high_similarity` → 2 (only partly matches), unless reference and reply both only ask the
  customer for details and ask for a same thing (conduct.asks_alike), or the reference only asks and the reply
  answers instead (conduct.answers_where_asked: nothing to compare). Both thresholds were set on the graded
  set's dev part (bench/graded/): below 0.5 every reply was graded 1 by a person.
- Claims (checks/claims.py): degenerate repetition, a promise neither the reference nor a company text makes, a
  duration or rate no source states, a name (capitalised word) that neither the customer, the reference nor the
  policies use — or the KB, unless the reply leaves out every name the customer used — and a denial of what the
  reference affirms ("isn't adjustable" where the reference says adjustable), each → 1.
- Structure (acknowledge / solve / next step) and length are recorded; a body with nothing but pleasantries → 2.
  A missing acknowledgement or next step the reference has, or a reply over `max_length_ratio` × the reference's
  length, gets a reason only.

Similarity is the cosine of MiniLM embeddings of the reply and reference bodies (greeting, sign-off and marker
removed); it is None when the model's packages are missing. The thresholds are the issue's starting values and are
not yet calibrated on model output.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from tunedesk.checks.claims import commitments, denials, names_elsewhere, repetition, unstated_terms
from tunedesk.checks.conduct import (
    answers_anyway,
    answers_where_asked,
    asks_alike,
    asks_instead,
    body_sentences,
    cut_off,
    echoes,
    greeting_line,
    known_handover,
    leaks_prompt,
    live_data_handling,
    refuses,
    same_reason,
    structure,
)
from tunedesk.checks.contradictions import PolicyChecker, same_value
from tunedesk.checks.grounding import Sources, hallucinations
from tunedesk.checks.marker import strip_marker
from tunedesk.config.policies import Fact, Policies
from tunedesk.eval.judges import register
from tunedesk.eval.judges.base import Item, Verdict
from tunedesk.models.embed import Embedder, minilm_embedder, pair_similarities

_UNIT_STEMS = {"days": "day", "business_days": "day", "years": "year", "hours": "hour", "percent": "percent"}
_MONEY = re.compile(r"\$\s?(\d+(?:\.\d\d)?)")
_TIMES = re.compile(r"\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?(?:\s*(?:-|–|to)\s*\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?)?")
_PHONE = re.compile(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class _Caps:
    """The rules' findings for one reply: (score cap, reason) pairs."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []

    def add(self, cap: int, reason: str) -> None:
        self.found.append((cap, reason))

    def verdict(self, checks: dict[str, Any]) -> Verdict:
        ordered = sorted(self.found, key=lambda f: f[0])
        return Verdict(min((c for c, _ in ordered), default=3), [r for _, r in ordered], checks)


@register("rubric")
class RubricJudge:
    """Scores replies against the reference and the current policies with fixed, documented rules."""

    name = "rubric"

    def __init__(self, policies: Policies, kb_texts: list[str] | None = None, similarity: bool = True,
                 high_similarity: float = 0.75, low_similarity: float = 0.5, max_length_ratio: float = 3.0,
                 embedder: Embedder | None = None) -> None:
        self.policies = policies
        self.checker = PolicyChecker(policies)
        self.high_similarity = high_similarity
        self.low_similarity = low_similarity
        self.max_length_ratio = max_length_ratio
        self.sign_off = policies.voice.sign_off
        self._use_similarity = similarity
        self._embedder = embedder
        policy_text = [policies.brand, *(f.text for f in policies.facts.values()), *policies.sections.values(),
                       *(str(f.value) for f in policies.facts.values())]
        self.known = Sources(policy_text + list(kb_texts or []))
        self.company = "\n".join([*policy_text, policies.voice.sign_off, policies.voice.refusal])
        self.kb = "\n".join(kb_texts or [])
        self.allowed = "\n".join(policy_text + list(kb_texts or []))
        """Everything the company states (policies, KB): what a reply may promise or quote without a reference."""

    def judge(self, items: list[Item], replies: list[str]) -> list[Verdict]:
        """One verdict per (item, reply) pair, in order; similarities are encoded in one batch."""
        if len(items) != len(replies):
            raise ValueError(f"{len(items)} items but {len(replies)} replies")
        texts = [r if isinstance(r, str) else "" for r in replies]
        similarities = self._similarities(items, texts)
        return [self.judge_one(item, reply, sim) for item, reply, sim in zip(items, texts, similarities, strict=True)]

    def judge_one(self, item: Item, reply: str, similarity: float | None = None) -> Verdict:
        """The verdict for one reply, given its similarity to the reference (None when not measured)."""
        caps = _Caps()
        text, predicted_reason = strip_marker(reply)
        reference_text, expected_reason = strip_marker(item.reference)
        checks: dict[str, Any] = {"similarity": similarity, "refused": None}
        if not text.strip():
            caps.add(1, "empty reply")
            return caps.verdict(checks)
        expected = expected_reason is not None or item.kind == "escalation"
        self._escalation(caps, checks, expected, expected_reason, predicted_reason)
        self._policy(caps, checks, text, reference_text)
        self._grounding(caps, checks, item, text)
        self._claims(caps, checks, item, text)
        self._conduct(caps, checks, item, text, reference_text)
        if item.kind == "answer" and not expected:
            self._coverage(caps, checks, similarity)
        self._shape(caps, checks, item.kind, text, reference_text)
        return caps.verdict(checks)

    def _similarities(self, items: list[Item], replies: list[str]) -> list[float | None]:
        embedder = self._embedder or (minilm_embedder() if self._use_similarity else None)
        if embedder is None or not items:
            return [None] * len(items)
        bodies = [self._body(r) for r in replies]
        references = [self._body(i.reference) for i in items]
        return list(pair_similarities(embedder, bodies, references))

    def _body(self, reply: str) -> str:
        return " ".join(body_sentences(strip_marker(reply)[0], self.sign_off)) or reply.strip()

    def _escalation(self, caps: _Caps, checks: dict[str, Any], expected: bool, expected_reason: str | None,
                    predicted_reason: str | None) -> None:
        predicted = predicted_reason is not None
        checks.update(escalation_expected=expected, escalation_predicted=predicted,
                      escalation_reason_expected=expected_reason, escalation_reason_predicted=predicted_reason)
        if expected and not predicted:
            caps.add(1, f"missed escalation ({expected_reason or 'handover'})")
        elif predicted and not expected:
            caps.add(1, f"escalated ({predicted_reason}) a ticket that should be answered")
        elif expected and not same_reason(expected_reason, predicted_reason):
            # Sent to the wrong team is a detail wrong; a code that names no team still reaches a person, who routes
            # it, so it is noted and not marked down.
            wrong_team = known_handover(predicted_reason) is not None
            caps.add(2 if wrong_team else 3, f"escalated for '{predicted_reason}' instead of '{expected_reason}'")

    def _policy(self, caps: _Caps, checks: dict[str, Any], text: str, reference: str) -> None:
        contradictions = self.checker.contradictions(text)
        for c in contradictions:
            caps.add(1, f"contradicts policy {c.fact}: says {c.claimed}, policy is {c.current}")
        stated = self.checker.claims(reference)
        expected = sorted({key for key, fact, claimed, _ in stated if same_value(fact, claimed)})
        lowered = text.lower()
        present = [key for key in expected if self._states(key, text, lowered)]
        checks.update(contradictions=[asdict(c) for c in contradictions], policy_facts_expected=expected,
                      policy_facts_present=present)

    def _states(self, key: str, text: str, lowered: str) -> bool:
        fact = self.policies.facts[key]
        if any(k == key and same_value(f, claimed) for k, f, claimed, _ in self.checker.claims(text)):
            return True
        return any(same_value(fact, candidate) for candidate in _candidates(fact, text, lowered))

    def _grounding(self, caps: _Caps, checks: dict[str, Any], item: Item, text: str) -> None:
        local = Sources([item.prompt_text, item.reference])
        invented = [c for c in hallucinations(text, local) if not self.known.grounds(c)]
        greeting = greeting_line(text)
        body = text.strip()[len(greeting):]
        for claim in invented:
            if claim.kind == "placeholder" and claim.text in greeting and claim.text not in body:
                # "Hi <NAME_1>," to a customer who gave no name: a visible slip, not a wrong fact.
                caps.add(2, f"greets the customer by a name they never gave: {claim.text}")
            else:
                caps.add(1, f"hallucinated {claim.kind}: {claim.text}")
        checks["hallucinations"] = [{"kind": c.kind, "text": c.text} for c in invented]

    def _claims(self, caps: _Caps, checks: dict[str, Any], item: Item, text: str) -> None:
        """What a person marks wrong at a glance: degenerate text, unauthorised promises, made-up terms."""
        said = body_sentences(text, self.sign_off)
        body = " ".join(said) or text
        checks["repetition"] = repetition(body, f"{item.customer_text}\n{item.reference}")
        checks["commitments"] = commitments(body, item.reference, self.allowed)
        checks["unstated_terms"] = unstated_terms(body, self.policies, [item.prompt_text, item.reference,
                                                                        self.allowed])
        for found in checks["repetition"]:
            caps.add(1, f"degenerate: {found}")
        if leaks_prompt(text):
            caps.add(1, "degenerate: writes out the prompt's past tickets")
        if echoes(text, item.customer_text, self.sign_off):
            caps.add(1, "only says the customer's words back")
        for found in checks["commitments"]:
            caps.add(1, f"promises what no policy or reference does: {found!r}")
        for found in checks["unstated_terms"]:
            caps.add(1, f"states a term no policy states: {found!r}")
        checks["denials"] = denials(body, item.reference)
        for found in checks["denials"]:
            caps.add(1, f"denies what the reference states: {found!r}")
        # one sentence a line: a list item without a full stop ("3. Any other details") does not run into the next
        lines = "\n".join(said) or text
        checks["names_elsewhere"] = names_elsewhere(lines, item.customer_text, item.reference, self.company, self.kb)
        for found in checks["names_elsewhere"]:
            caps.add(1, f"names what the customer never mentioned: {found}")

    def _conduct(self, caps: _Caps, checks: dict[str, Any], item: Item, text: str, reference: str) -> None:
        refused = refuses(text, self.policies.voice.refusal)
        checks["refused"] = refused
        checks["asks_alike"] = item.kind == "answer" and asks_alike(text, reference, self.sign_off)
        checks["answers_where_asked"] = item.kind == "answer" and answers_where_asked(text, reference, self.sign_off)
        if item.kind == "refusal":
            if not refused:
                caps.add(1, "did not decline an off-topic question")
            elif taken := answers_anyway(text, item.customer_text, reference, self.sign_off):
                caps.add(1, f"declined but answered anyway ({', '.join(taken[:4])})")
        elif refused and item.kind in ("answer", "cannot_know"):
            caps.add(1, "refused an on-topic question")
        if item.kind == "cannot_know":
            live = live_data_handling(text)
            checks["live_data"] = live
            if live["invented_status"]:
                caps.add(1, f"invented a live status: {live['invented_status'][0]!r}")
            if not live["says_cannot_see"]:
                caps.add(1, "did not say it cannot see live order or stock data")
            elif not live["how_to_check"]:
                caps.add(2, "did not say how to check the order or stock")

    def _coverage(self, caps: _Caps, checks: dict[str, Any], similarity: float | None) -> None:
        expected, present = checks["policy_facts_expected"], checks["policy_facts_present"]
        missing = [k for k in expected if k not in present]
        high = similarity is not None and similarity >= self.high_similarity
        if similarity is not None and similarity < self.low_similarity:
            caps.add(1, f"off the point: similarity to the reference {similarity:.2f}")
        elif expected and not present and (len(expected) > 1 or not high):
            # None of what the reference answers with: not "a detail missing" but another answer (every such reply
            # of the graded set's dev part was graded 1 by a person).
            caps.add(1, f"states none of the facts the answer needs: {', '.join(expected)}")
        elif missing and not high:
            caps.add(2, f"missing policy facts: {', '.join(missing)}")
        elif not expected and similarity is not None and not high and not (
                checks["asks_alike"] or checks["answers_where_asked"]):
            # Nothing checkable in the reference: only closeness to it shows the answer is there. Measured on the
            # demo run's replies: "I'll get back to you as soon as I can" scores 0.60 against a how-to reference,
            # a correct paraphrase 0.89. A reference that only asks for details is matched by a reply asking for the
            # same thing, in any words (checks["asks_alike"]); against a reply that answers instead it has nothing
            # to compare (checks["answers_where_asked"]): the other rules judge that answer.
            caps.add(2, f"only partly matches the reference: similarity {similarity:.2f}")

    def _shape(self, caps: _Caps, checks: dict[str, Any], kind: str, text: str, reference: str) -> None:
        shape = structure(text, self.sign_off)
        checks["structure"] = shape
        checks["length"] = {"reply_chars": len(text.strip()), "reference_chars": len(reference.strip())}
        if cut_off(text, self.sign_off):
            caps.add(2, "cut off mid-sentence")
        if kind == "answer" and not shape["solve"]:
            caps.add(2, "no answer in the reply, only pleasantries")
        elif kind == "answer" and (request := asks_instead(text, reference, self.sign_off)):
            # Nothing said is wrong, but the answer is missing: the same cap as a reply of pleasantries.
            caps.add(2, f"asks the customer for details instead of answering: {request[:60]!r}")
        if len(text.strip()) > self.max_length_ratio * max(len(reference.strip()), 1):
            caps.add(3, f"long: {len(text.strip())} characters against {len(reference.strip())} in the reference")
        # Only parts the reference has are missed: a complete answer often needs no next step or apology.
        expected_shape = structure(reference, self.sign_off)
        for part in ("acknowledge", "next_step"):
            if expected_shape[part] and not shape[part]:
                caps.add(3, f"structure: no {part.replace('_', ' ')} where the reference has one")

def _candidates(fact: Fact, text: str, lowered: str) -> list[str]:
    # Values stated without the wording a fact's patterns expect ("send it back up to 30 days after it arrives").
    if fact.kind == "number":
        stem = _UNIT_STEMS.get(fact.unit or "", "")
        pattern = rf"\b(\d+)[- ](?:[a-z]+[- ])?{stem}" if stem else r"\b(\d+)\b"
        return re.findall(pattern, lowered)
    if fact.kind == "money":
        return _MONEY.findall(text)
    if fact.kind == "hours":
        return _TIMES.findall(lowered)
    if fact.kind == "phone":
        return _PHONE.findall(text)
    if fact.kind == "email":
        return _EMAIL.findall(text)
    value = str(fact.value).lower()
    return [value] if value in lowered else []
