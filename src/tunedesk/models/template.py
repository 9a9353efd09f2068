"""The target model's chat template: render each example, find every reply in the text and in the tokens.

The template is rendered once per role sequence with placeholder contents; real examples are then laid out by
filling the placeholders in, which gives the exact character span of every reply. A template that rewrites the
contents (trims them, say) falls back to searching the rendered text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateSyntaxError

from tunedesk.errors import ConfigError
from tunedesk.models.base import load_tokenizer
from tunedesk.models.protocols import Tokenizer

_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_SPACE = re.compile(r"\s*")


@dataclass
class Layout:
    """One rendered example: its text and, per assistant turn, (content start, content end, end after the EOS)."""

    text: str
    located: bool
    replies: list[tuple[int, int, int]] = field(default_factory=list)
    missing_eos: list[int] = field(default_factory=list)
    """Indexes of the assistant messages not followed by the EOS token."""


class ChatTemplate:
    """The tokenizer and chat template that training will use."""

    def __init__(self, tokenizer: Tokenizer, template_text: str | None, source: str) -> None:
        self.tokenizer = tokenizer
        self.template_text = template_text
        self.source = source
        self.eos: str | None = tokenizer.eos_token
        specials = sorted((s for s in tokenizer.all_special_tokens if s), key=len, reverse=True)
        self._special = re.compile("|".join(re.escape(s) for s in specials)) if specials else None
        self._scaffolds: dict[tuple[str, ...], list[str] | None] = {}

    @property
    def available(self) -> bool:
        """False when neither the tokenizer nor a file gives a chat template."""
        return bool(self.template_text or getattr(self.tokenizer, "chat_template", None))

    def render(self, messages: list[dict[str, str]]) -> str:
        """The example as the template writes it for training (no generation prompt)."""
        text = self.tokenizer.apply_chat_template(messages, chat_template=self.template_text, tokenize=False)
        return str(text)

    def special_tokens_in(self, text: str) -> list[str]:
        """The tokenizer's special tokens written literally in a text."""
        return sorted(set(self._special.findall(text))) if self._special else []

    def layout(self, messages: list[dict[str, str]]) -> Layout:
        """Render and locate every reply and its EOS; jinja2.TemplateError and friends propagate to the caller."""
        text = self.render(messages)
        spans = self._spans_from_scaffold(messages, text) or _search_spans(text, [m["content"] for m in messages])
        if spans is None:
            return Layout(text, located=False)
        out = Layout(text, located=True)
        for i, (message, (start, end)) in enumerate(zip(messages, spans, strict=True)):
            if message["role"] != "assistant":
                continue
            after = _SPACE.match(text, end).end()  # type: ignore[union-attr]
            if self.eos and text.startswith(self.eos, after):
                out.replies.append((start, end, after + len(self.eos)))
            else:
                out.replies.append((start, end, end))
                out.missing_eos.append(i)
        return out

    def _spans_from_scaffold(self, messages: list[dict[str, str]], text: str) -> list[tuple[int, int]] | None:
        scaffold = self._scaffold(tuple(m["role"] for m in messages))
        if scaffold is None:
            return None
        for contents in ([m["content"] for m in messages], [m["content"].strip() for m in messages]):
            built, spans, at = [scaffold[0]], [], len(scaffold[0])
            for content, piece in zip(contents, scaffold[1:], strict=True):
                spans.append((at, at + len(content)))
                built += [content, piece]
                at += len(content) + len(piece)
            if "".join(built) == text:
                return spans
        return None

    def _scaffold(self, roles: tuple[str, ...]) -> list[str] | None:
        """The template's text around the contents for this role sequence, or None when it cannot be split."""
        if roles not in self._scaffolds:
            probe = [{"role": role, "content": f"\ue000{i}\ue001"} for i, role in enumerate(roles)]
            try:
                parts = _PLACEHOLDER.split(self.render(probe))
            except Exception:  # a chat template is user code: any failure just means no scaffold
                parts = []
            order = [int(p) for p in parts[1::2]]
            self._scaffolds[roles] = parts[::2] if order == list(range(len(roles))) else None
        return self._scaffolds[roles]


def _search_spans(text: str, contents: list[str]) -> list[tuple[int, int]] | None:
    """Each content found in order in the rendered text (as written or trimmed), or None."""
    spans, cursor = [], 0
    for content in contents:
        for candidate in (content, content.strip()):
            at = text.find(candidate, cursor)
            if at >= 0:
                spans.append((at, at + len(candidate)))
                cursor = at + len(candidate)
                break
        else:
            return None
    return spans


def load_template(model: str, template_path: Path | None = None) -> ChatTemplate:
    """The model's tokenizer with its own chat template, or the template in `template_path`."""
    tokenizer = load_tokenizer(model)
    if template_path is None:
        return ChatTemplate(tokenizer, None, f"the chat template of {model}")
    try:
        text = template_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(template_path), [f"cannot read the chat template: {exc}"]) from None
    template = ChatTemplate(tokenizer, text, str(template_path))
    try:
        template.render([{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi"}])
    except TemplateSyntaxError as exc:
        raise ConfigError(str(template_path), [f"chat template syntax error on line {exc.lineno}: {exc}"]) from None
    except Exception:
        return template  # other failures depend on the rows: each is reported on its row
    return template
