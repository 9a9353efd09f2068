"""The system prompt: rendered from policies.yaml and the brand voice through an editable Jinja template.

One function for the whole loop — build writes it into every example, eval and the server call it for every
ticket — so what the model was trained with is exactly what it is served with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from tunedesk.config.policies import Fact, Policies
from tunedesk.errors import ConfigError
from tunedesk.prompt.retrieval import Bm25Index

DEFAULT_TEMPLATE = Path(__file__).with_name("system.md.j2")


@dataclass
class SystemPrompt:
    """Renders the system prompt for a customer's message, with the policy facts relevant to it."""

    policies: Policies
    template_text: str
    fact_count: int = 6
    source: str = "system template"

    def __post_init__(self) -> None:
        env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)
        try:
            self._template = env.from_string(self.template_text)
        except TemplateError as exc:
            raise ConfigError(self.source, [f"template error: {exc}"]) from None
        self._facts: list[tuple[str, Fact]] = list(self.policies.facts.items())
        self._rendered: dict[tuple[int, ...], str] = {}
        self._index = Bm25Index([f"{key.replace('_', ' ')} {fact.topic} {fact.text}" for key, fact in self._facts])

    @classmethod
    def from_file(cls, policies: Policies, path: Path | None, fact_count: int = 6) -> SystemPrompt:
        """From the workspace's template file, or the packaged default when the file does not exist."""
        chosen = path if path is not None and path.is_file() else DEFAULT_TEMPLATE
        return cls(policies, chosen.read_text(encoding="utf-8"), fact_count, str(chosen))

    def fact_indices(self, customer_text: str) -> tuple[int, ...]:
        """Positions (in policies.yaml order) of the facts for this message; all of them when fact_count is 0."""
        if self.fact_count == 0:
            return tuple(range(len(self._facts)))
        return tuple(sorted(self._index.top(customer_text, self.fact_count)))

    def facts_for(self, customer_text: str) -> list[Fact]:
        """The policy facts for this message, in policies.yaml order."""
        return [self._facts[i][1] for i in self.fact_indices(customer_text)]

    def render(self, customer_text: str) -> str:
        """The system prompt for a conversation whose customer wrote `customer_text`."""
        chosen = self.fact_indices(customer_text)
        cached = self._rendered.get(chosen)
        if cached is None:  # the prompt depends only on which facts were retrieved: render each set once
            cached = self._rendered[chosen] = self._render([self._facts[i][1] for i in chosen])
        return cached

    def _render(self, facts: list[Fact]) -> str:
        p = self.policies
        try:
            text = self._template.render(brand=p.brand, version=p.version, voice=p.voice, sections=p.sections,
                                         facts=facts)
        except TemplateError as exc:
            raise ConfigError(self.source, [f"template error: {exc}"]) from None
        return text.strip()
