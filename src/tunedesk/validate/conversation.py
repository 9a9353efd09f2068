"""Per-example checks on the chat turns: turn order, escalation markers, special tokens, length in tokens."""

from __future__ import annotations

import re

from tunedesk.checks.marker import escalates, readable
from tunedesk.models.template import ChatTemplate, Layout
from tunedesk.trainfile.chat import ChatRow
from tunedesk.trainfile.issues import Issue, issue
from tunedesk.validate.tokens import Measure

_MARKER_HINT = re.compile(r"\[\[\s*escalate", re.IGNORECASE)
_MARKER_LINE = re.compile(r"\[\[\s*escalate\s*:\s*[A-Za-z0-9_\-]{1,64}\s*\]\]", re.IGNORECASE)


def role_issues(row: ChatRow) -> list[Issue]:
    """After an optional leading system message: user, assistant, user, …, ending with an assistant turn."""
    roles = [m["role"] for m in row.messages]
    offset = 1 if roles and roles[0] == "system" else 0
    found = []
    for i, role in enumerate(roles[offset:]):
        expected = "user" if i % 2 == 0 else "assistant"
        if role != expected:
            where = row.fields[i + offset]
            after = f"after {_article(roles[i + offset - 1])} turn" if i + offset else "first"
            found.append(issue("roles_not_alternating", f"{where}: expected {_article(expected)} turn {after}, "
                               f"found {role} "
                               "(only a leading system message, then user and assistant taking turns)", row.line,
                               where))
            break
    if roles and roles[-1] != "assistant":
        found.append(issue("last_turn_not_assistant", f"the example ends with a {roles[-1]} turn: the last turn must "
                           "be the assistant reply it teaches", row.line, row.fields[-1]))
    return found


def marker_issues(row: ChatRow) -> list[Issue]:
    """Escalation markers readable and alone on a reply's last line; the row's kind agreeing with the final reply."""
    found = []
    for message, where in zip(row.messages, row.fields, strict=True):
        content = message["content"]
        if message["role"] != "assistant" or not _MARKER_HINT.search(content):
            continue
        problem = _marker_problem(content)
        if problem:
            found.append(issue("bad_escalation_marker", f"{where}: {problem}; write it as [[escalate: <reason>]] "
                               "alone on the reply's last line", row.line, where))
    kind = row.data.get("kind")
    replies = [m["content"] for m in row.messages if m["role"] == "assistant"]
    if isinstance(kind, str) and replies:
        marked = escalates(replies[-1])
        if marked and kind != "escalation":
            found.append(issue("marker_in_non_escalation", f"kind is {kind!r} but the final reply carries an "
                               "escalation marker", row.line, "kind"))
        elif kind == "escalation" and not marked:
            found.append(issue("marker_in_non_escalation", "kind is 'escalation' but the final reply has no "
                               "[[escalate: <reason>]] marker: the model would not learn to hand over", row.line,
                               "kind"))
    return found


def _marker_problem(content: str) -> str | None:
    if not readable(content):
        return "an escalation marker that cannot be read"
    if len(_MARKER_HINT.findall(content)) > 1:
        return "more than one escalation marker"
    if not _MARKER_LINE.fullmatch(content.rstrip().rsplit("\n", 1)[-1].strip()):
        return "the escalation marker is not alone on the last line"
    return None


def special_token_issues(row: ChatRow, template: ChatTemplate) -> list[Issue]:
    """Text that writes the tokenizer's special tokens literally (they would act as turn structure)."""
    found = []
    for message, where in zip(row.messages, row.fields, strict=True):
        tokens = template.special_tokens_in(message["content"])
        if tokens:
            shown = ", ".join(tokens)
            found.append(issue("special_token_in_content", f"{where} contains the special token(s) {shown}: the "
                               "template uses them as structure, so the model would learn to end or switch turns "
                               "there", row.line, where))
    return found


def whitespace_issues(row: ChatRow) -> list[Issue]:
    """Contents with leading or trailing whitespace (one warning per row)."""
    fields = [where for message, where in zip(row.messages, row.fields, strict=True)
              if message["content"] != message["content"].strip()]
    if not fields:
        return []
    return [issue("surrounding_whitespace", f"{', '.join(fields)}: leading or trailing whitespace becomes trained "
                  "tokens; --fix strips it", row.line, fields[0])]


def eos_issues(row: ChatRow, layout: Layout, template: ChatTemplate) -> list[Issue]:
    """Every reply must be followed by the tokenizer's EOS token, or the model never learns to stop."""
    if not layout.located:
        return [issue("template_changes_content", f"{template.source} rewrites the contents, so the reply could not "
                      "be located: the EOS and cut-off checks were skipped for this row", row.line)]
    if not layout.missing_eos:
        return []
    where = ", ".join(row.fields[i] for i in layout.missing_eos)
    eos = f"the EOS token {template.eos!r}" if template.eos else "an EOS token (the tokenizer defines none)"
    return [issue("no_eos_after_assistant", f"{where}: {template.source} does not put {eos} right after the reply: "
                  "the model would never learn to stop", row.line, row.fields[layout.missing_eos[0]])]


def length_issues(row: ChatRow, size: Measure, max_length: int) -> list[Issue]:
    """The last reply must start and end (its EOS included) within max_length tokens."""
    last = row.fields[-1]
    if size.last_start is not None and size.last_start >= max_length:
        return [issue("no_trained_tokens", f"the last reply starts at token {size.last_start}, at or past "
                      f"max_length {max_length}: every label would be masked, so training on it teaches nothing",
                      row.line, last)]
    if size.last_end is not None and size.last_end > max_length:
        return [issue("reply_cut_off", f"the last reply ends at token {size.last_end}, past max_length {max_length}: "
                      "it would be trained cut off, without its end", row.line, last)]
    if size.total > max_length:
        return [issue("too_long", f"{size.total} tokens, over max_length {max_length}: the end is truncated",
                      row.line)]
    return []


def _article(role: str) -> str:
    return "an assistant" if role == "assistant" else f"a {role}"
