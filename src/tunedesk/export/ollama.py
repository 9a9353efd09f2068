"""The Ollama export: a Modelfile beside the GGUF, carrying the run's chat template (translated from Jinja to Go
template syntax) and its stop tokens.

The Jinja template is not parsed: it is recognised by what it renders. A ChatML-style template (SmolLM2, Qwen) is
rendered on probe conversations; when every rendering matches the ChatML layout (an optional fixed prefix, an
optional default system message when the chat has none, one `<|im_start|>role\\n...<|im_end|>\\n` block a
message, `<|im_start|>assistant\\n` to prompt a reply), the same layout is written as a Go template.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tunedesk.export.runfolder import TemplateNotTranslatable

if TYPE_CHECKING:
    from tunedesk.models.protocols import Tokenizer

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
Chat = list[dict[str, str]]
Render = Callable[[Chat, bool], str]

# Probe conversations with texts no template would invent, covering: no system, system, several turns.
_SYSTEM = {"role": "system", "content": "Probe system text 7d1f."}
_USER = {"role": "user", "content": "Probe customer question 3a9c?"}
_AGENT = {"role": "assistant", "content": "Probe agent answer 5e2b."}
_USER2 = {"role": "user", "content": "Probe follow-up 8c4d?"}
PROBES: list[tuple[Chat, bool]] = [
    ([_USER], True), ([_SYSTEM, _USER], True), ([_SYSTEM, _USER, _AGENT], False),
    ([_SYSTEM, _USER, _AGENT, _USER2], True), ([_USER, _AGENT, _USER2], True), ([_USER, _AGENT], False),
]


@dataclass(frozen=True)
class ChatMLLayout:
    """What a ChatML-style template writes around the messages."""

    prefix: str = ""
    """Text before the first message (a BOS token written by the template, usually nothing)."""
    default_system: str | None = None
    """The system message the template adds when a chat has none (SmolLM2 has one)."""

    def render(self, messages: Chat, add_generation_prompt: bool) -> str:
        """The text this layout gives a chat: what the Jinja template must also give for the translation to hold."""
        text = self.prefix
        if self.default_system is not None and messages[0]["role"] != "system":
            text += _block("system", self.default_system)
        text += "".join(_block(m["role"], m["content"]) for m in messages)
        return text + (f"{IM_START}assistant\n" if add_generation_prompt else "")


def _block(role: str, content: str) -> str:
    return f"{IM_START}{role}\n{content}{IM_END}\n"


def chatml_layout(render: Render) -> ChatMLLayout:
    """The ChatML layout the template renders, found from probe chats; TemplateNotTranslatable if it is not ChatML."""
    try:
        no_system, with_system = render([_USER], True), render([_SYSTEM, _USER], True)
    except Exception as exc:  # a template may raise anything (raise_exception, undefined names)
        raise TemplateNotTranslatable(f"the chat template fails on a simple chat ({exc})") from None
    tail = _block(_SYSTEM["role"], _SYSTEM["content"]) + _block("user", _USER["content"]) + f"{IM_START}assistant\n"
    if IM_START not in with_system or not with_system.endswith(tail):
        raise TemplateNotTranslatable("the chat template is not ChatML-style (<|im_start|>role ... <|im_end|>); "
                                      "only ChatML templates can be written for Ollama so far")
    prefix = with_system[: -len(tail)]
    layout = ChatMLLayout(prefix=prefix, default_system=_default_system(no_system, prefix))
    for messages, add_generation_prompt in PROBES:
        try:
            rendered = render(messages, add_generation_prompt)
        except Exception as exc:
            roles = [m["role"] for m in messages]
            raise TemplateNotTranslatable(f"the chat template fails on a chat with roles {roles} ({exc})") from None
        if rendered != layout.render(messages, add_generation_prompt):
            raise TemplateNotTranslatable("the chat template adds text beyond the ChatML layout (roles "
                                          f"{[m['role'] for m in messages]} render as {rendered!r}); "
                                          "write the Ollama TEMPLATE by hand")
    return layout


def _default_system(no_system: str, prefix: str) -> str | None:
    opening = no_system[len(prefix):] if no_system.startswith(prefix) else ""
    match = re.match(rf"{re.escape(IM_START)}system\n(.*?){re.escape(IM_END)}\n", opening, flags=re.DOTALL)
    return match.group(1) if match else None


def go_template(layout: ChatMLLayout) -> str:
    """The Ollama (Go text/template) TEMPLATE that renders chats as the layout does."""
    text = _go_literal(layout.prefix) + "{{ range $i, $m := .Messages }}"
    if layout.default_system is not None:
        text += ('{{ if and (eq $i 0) (ne $m.Role "system") }}'
                 + _go_literal(_block("system", layout.default_system)) + "{{ end }}")
    text += f"{IM_START}{{{{ $m.Role }}}}\n{{{{ $m.Content }}}}{IM_END}\n"
    # Prompt a reply unless the chat already ends with one (then the model continues it, as Ollama expects).
    text += '{{ if and (eq (len (slice $.Messages $i)) 1) (ne $m.Role "assistant") }}'
    text += f"{IM_START}assistant\n{{{{ end }}}}{{{{ end }}}}"
    return text


def _go_literal(text: str) -> str:
    # Literal text that contains template delimiters must be emitted from inside an action.
    return text.replace("{{", '{{ "{{" }}')


def stop_tokens(tokenizer: Tokenizer) -> list[str]:
    """Ollama's stop strings: the eos token and the ChatML turn markers, once each."""
    stops = [tokenizer.eos_token, IM_START, IM_END]
    return [s for s in dict.fromkeys(stops) if s]


def modelfile_text(gguf_name: str, template: str, stops: list[str]) -> str:
    """The Modelfile: the GGUF beside it, the template, the stop tokens (sampling left at Ollama's defaults)."""
    if '"""' in template:
        raise TemplateNotTranslatable('the chat template contains """, which a Modelfile TEMPLATE cannot hold')
    lines = [f"FROM ./{gguf_name}", f'TEMPLATE """{template}"""']
    lines += [f'PARAMETER stop "{_quoted(stop)}"' for stop in stops]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def modelfile_for(tokenizer: Tokenizer, gguf_name: str) -> str:
    """The Modelfile for the GGUF `gguf_name`, its TEMPLATE translated from the tokenizer's chat template."""

    def render(messages: Chat, add_generation_prompt: bool) -> str:
        return str(tokenizer.apply_chat_template(messages, tokenize=False,
                                                 add_generation_prompt=add_generation_prompt))

    return modelfile_text(gguf_name, go_template(chatml_layout(render)), stop_tokens(tokenizer))


def ollama_model_name(run_id: str) -> str:
    """A name Ollama accepts for the run's model (lower case letters, digits, `-`, `_`, `.`)."""
    return "tunedesk-" + re.sub(r"[^a-z0-9._-]+", "-", run_id.lower()).strip("-")


def ollama_command(out_dir: Path, name: str) -> str:
    """The command that loads the export into Ollama."""
    return f"cd {out_dir} && ollama create {name} -f Modelfile"
