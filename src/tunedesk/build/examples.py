"""One cleaned ticket → its training examples: the system prompt from the current policies, the conversation so
far, and a target — the historical agent answer (checked against the policy facts), or a reply build writes for
escalations, off-topic questions and questions needing live data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tunedesk.build.conversation import conversations, customer_name, ground_greeting, thread_turns
from tunedesk.build.targets import agent_opening, cannot_know_reply, escalation_reply, refusal_reply
from tunedesk.checks.contradictions import Contradiction, PolicyChecker
from tunedesk.config import CannotKnowRule, DatasetConfig
from tunedesk.config.policies import Policies
from tunedesk.prompt.system import SystemPrompt
from tunedesk.records import ChatTurn, Example, ExampleKind, Ticket

ESCALATION_FALLBACKS = ("tagged", "handover")


@dataclass
class Built:
    """What one ticket gave: its examples, or the reason it gave none, and any contradiction found."""

    examples: list[Example] = field(default_factory=list)
    dropped: str | None = None
    contradictions: list[Contradiction] = field(default_factory=list)


class ExampleBuilder:
    """Turns cleaned tickets into examples; configured once per build."""

    def __init__(self, config: DatasetConfig, policies: Policies, prompt: SystemPrompt) -> None:
        self.config, self.policies, self.prompt = config, policies, prompt
        self.checker = PolicyChecker(policies)
        self.off_topic = {c.lower() for c in config.off_topic_categories}
        self.cannot_know = {c.lower(): rule for rule in config.cannot_know for c in rule.categories}

    def build(self, ticket: Ticket) -> Built:
        """The examples of one ticket (kind by escalation label, then category)."""
        turns = thread_turns(ticket)
        if not any(t.role == "user" for t in turns):
            return Built(dropped="no_customer_text")
        kind, rule = self.kind_of(ticket)
        if kind == "answer":
            return self._answers(ticket, turns)
        history = turns[:-1] if turns[-1].role == "assistant" else turns
        reply = turns[-1].content if turns[-1].role == "assistant" else None
        opening = agent_opening(reply) if self.config.keep_agent_opening else None
        target = self._written_target(ticket, kind, rule, customer_name(history, reply), opening)
        return Built(examples=[self._example(ticket, 1, kind, [*history, ChatTurn(role="assistant", content=target)],
                                             self._written_metadata(ticket, kind, rule))])

    def kind_of(self, ticket: Ticket) -> tuple[ExampleKind, CannotKnowRule | None]:
        """What the ticket teaches: escalation, refusal, cannot_know, or answer."""
        category = (ticket.category or "").lower()
        if ticket.escalation:
            return "escalation", None
        if category in self.off_topic:
            return "refusal", None
        if category in self.cannot_know:
            return "cannot_know", self.cannot_know[category]
        return "answer", None

    def _answers(self, ticket: Ticket, turns: list[ChatTurn]) -> Built:
        built = Built()
        for n, conversation in enumerate(conversations(turns, self.config.multi_turn), start=1):
            target = self._sign(ground_greeting(conversation[-1].content, conversation[:-1]))
            found = self.checker.contradictions(conversation[-1].content)
            built.contradictions += found
            if found and self.config.contradictions == "drop":
                continue
            metadata: dict[str, object] = {"policy_version": self.policies.version}
            if found:
                metadata["contradicts_policy"] = [f"{c.fact}: says {c.claimed}, policy {c.current}" for c in found]
            messages = [*conversation[:-1], ChatTurn(role="assistant", content=target)]
            built.examples.append(self._example(ticket, n, "answer", messages, metadata))
        if not built.examples:
            built.dropped = "contradicts_policy" if built.contradictions else "no_agent_reply"
        return built

    def _written_target(self, ticket: Ticket, kind: ExampleKind, rule: CannotKnowRule | None, name: str | None,
                        opening: str | None) -> str:
        voice, sign = self.policies.voice, self.config.add_sign_off
        if kind == "escalation":
            return escalation_reply(self.escalation_reason(ticket), ticket.id, voice, name, self.config, sign,
                                    opening)
        if kind == "refusal":
            return refusal_reply(ticket.id, voice, name, self.config, sign)
        assert rule is not None
        return cannot_know_reply(rule, voice, name, sign, opening)

    def escalation_reason(self, ticket: Ticket) -> str:
        """The reason code: the matched rule, or the helpdesk category when only a tag or a hand-over matched."""
        reason = ticket.escalation or "handover"
        if reason in ESCALATION_FALLBACKS and (ticket.category or "") in self.config.escalation_teams:
            return str(ticket.category)
        return reason

    def _written_metadata(self, ticket: Ticket, kind: ExampleKind, rule: CannotKnowRule | None) -> dict[str, object]:
        metadata: dict[str, object] = {"policy_version": self.policies.version}
        if kind == "escalation":
            metadata["escalation"] = self.escalation_reason(ticket)
        if rule is not None:
            metadata["cannot_know"] = rule.name
        return metadata

    def _sign(self, reply: str) -> str:
        sign_off = self.policies.voice.sign_off.strip()
        if not self.config.add_sign_off or reply.rstrip().endswith(sign_off):
            return reply
        return f"{reply.rstrip()}\n\n{sign_off}"

    def _example(self, ticket: Ticket, n: int, kind: ExampleKind, turns: list[ChatTurn],
                 metadata: dict[str, object]) -> Example:
        customer = "\n".join(t.content for t in turns if t.role == "user")
        system = ChatTurn(role="system", content=self.prompt.render(customer))
        return Example(id=f"{ticket.id}#{n}", ticket_id=ticket.id, category=ticket.category, kind=kind,
                       messages=[system, *turns], metadata=metadata)
