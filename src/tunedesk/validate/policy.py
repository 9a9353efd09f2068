"""System prompts against the workspace's current policies: a stale prompt would teach outdated policy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tunedesk.prompt.precedents import split_prompt
from tunedesk.prompt.system import SystemPrompt
from tunedesk.trainfile.chat import ChatRow
from tunedesk.trainfile.flat import customer_paragraphs
from tunedesk.trainfile.issues import Issue, issue
from tunedesk.workspace import Workspace

_VERSION = re.compile(r"\(version ([^)\n]{1,60})\)")
_SHOWN = 90


def prompt_version(text: str) -> str | None:
    """The policies version a rendered system prompt names ("Current policies (version …)"), if it names one."""
    found = _VERSION.search(text)
    return found.group(1).strip() if found else None


def customer_text(messages: list[dict[str, str]]) -> str:
    """Everything the customer wrote, as build passes it to the system prompt (transcripts read back)."""
    return "\n".join(p for m in messages if m["role"] == "user" for p in customer_paragraphs(m["content"]))


@dataclass
class PromptCheck:
    """The workspace's system prompt, rendered per example as build and the server render it."""

    prompt: SystemPrompt
    version: str

    @classmethod
    def for_workspace(cls, ws: Workspace) -> PromptCheck:
        """The current system prompt of a workspace (its policies, template and fact count)."""
        policies = ws.policies()
        dataset = ws.config.dataset
        prompt = SystemPrompt.from_file(policies, ws.path(dataset.system_template), dataset.policy_facts)
        return cls(prompt, policies.version)

    def expected(self, messages: list[dict[str, str]]) -> str:
        """The system prompt the current policies give this conversation (precedents are the build's: they are
        compared by the build, not here)."""
        return self.prompt.render(customer_text(messages))

    def issues(self, row: ChatRow) -> list[Issue]:
        """`stale_system_prompt` when the row's system message differs, `missing_system_prompt` when it has none."""
        if not row.messages or row.messages[0]["role"] != "system":
            return [issue("missing_system_prompt", "no system message: the server always sends the policies' system "
                          "prompt, so train with it too (--fix adds it)", row.line)]
        actual = split_prompt(row.messages[0]["content"].strip())[0]
        wanted = self.expected(row.messages)
        if actual == wanted:
            return []
        old = prompt_version(actual) or "not named"
        difference = _first_difference(actual, wanted)
        return [issue("stale_system_prompt", f"the system prompt differs from the one the current policies render "
                      f"(policies version in the row: {old}, current: {self.version}); {difference}; the model "
                      "would learn outdated policies: rebuild the data or use --fix", row.line, row.fields[0])]


def _first_difference(actual: str, wanted: str) -> str:
    old_lines, new_lines = actual.splitlines(), wanted.splitlines()
    for i in range(max(len(old_lines), len(new_lines))):
        old = old_lines[i] if i < len(old_lines) else ""
        new = new_lines[i] if i < len(new_lines) else ""
        # The version is reported on its own: show the first line whose policy text changed.
        if _VERSION.sub("", old) != _VERSION.sub("", new):
            return f"line {i + 1} reads {_clip(old)!r}, current {_clip(new)!r}"
    if _VERSION.sub("", actual) == _VERSION.sub("", wanted):
        return "only the policies version differs"
    return "they differ only in whitespace"


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
