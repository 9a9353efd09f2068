"""The per-example checks in one pass, in batches: row checks, then render and tokenize a batch at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from tunedesk.models.template import ChatTemplate, Layout
from tunedesk.progress import Task
from tunedesk.trainfile.chat import ChatRow
from tunedesk.trainfile.issues import Issue, issue
from tunedesk.validate.conversation import (
    eos_issues,
    length_issues,
    marker_issues,
    role_issues,
    special_token_issues,
    whitespace_issues,
)
from tunedesk.validate.policy import PromptCheck
from tunedesk.validate.tokens import Measure, measure

BATCH = 1000
"""Examples rendered and tokenized per tokenizer call: fast, with bounded memory on 100,000-row files."""
_SHOWN = 300


@dataclass
class Checks:
    """What the per-example checks compare against."""

    template: ChatTemplate | None
    max_length: int
    fmt: str
    prompt: PromptCheck | None = None
    """The workspace's current system prompt; None checks no system prompts."""


@dataclass
class RowResult:
    """One example's issues and, when it could be rendered, its size in tokens."""

    row: ChatRow
    issues: list[Issue] = field(default_factory=list)
    size: Measure | None = None

    @property
    def has_errors(self) -> bool:
        """True when the example cannot be trained on as it is."""
        return any(i.severity == "error" for i in self.issues)


def check_rows(rows: list[ChatRow], checks: Checks, progress: Task | None = None) -> list[RowResult]:
    """Every per-example check on rows whose format is sound."""
    out: list[RowResult] = []
    for start in range(0, len(rows), BATCH):
        batch = [RowResult(row, row_issues(row, checks)) for row in rows[start : start + BATCH]]
        if checks.template is not None and checks.template.available:
            _template_checks(batch, checks.template, checks.max_length)
        out.extend(batch)
        if progress is not None:
            progress.advance(len(batch))
    return out


def row_issues(row: ChatRow, checks: Checks) -> list[Issue]:
    """The checks that need no tokenizer (special tokens aside, a cheap string search)."""
    found = role_issues(row) + marker_issues(row)
    if checks.fmt != "prompt_completion":  # prepare_data wants the leading space of a completion
        found += whitespace_issues(row)
    if checks.prompt is not None:
        found += checks.prompt.issues(row)
    if checks.template is not None:
        found += special_token_issues(row, checks.template)
    return found


def sizes_of(rows: list[ChatRow], template: ChatTemplate, max_length: int) -> list[Measure | None]:
    """Each row's size in tokens (None where the template cannot render it)."""
    layouts = [render_layout(row, template)[0] for row in rows]
    ok = [lay for lay in layouts if lay is not None]
    sizes = iter(measure(template.tokenizer, ok, max_length) if ok else [])
    return [next(sizes) if lay is not None else None for lay in layouts]


def render_layout(row: ChatRow, template: ChatTemplate) -> tuple[Layout | None, Issue | None]:
    """The rendered example, or the `template_error` saying why the template refused it."""
    try:
        return template.layout(row.messages), None
    except Exception as exc:  # a chat template is user code: whatever it raises is this row's problem
        text = str(exc) or type(exc).__name__
        text = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
        return None, issue("template_error", f"{template.source} cannot render this example: {text}", row.line)


def _template_checks(batch: list[RowResult], template: ChatTemplate, max_length: int) -> None:
    laid: list[tuple[RowResult, Layout]] = []
    for result in batch:
        layout, problem = render_layout(result.row, template)
        if layout is None:
            result.issues.append(problem)  # type: ignore[arg-type]
            continue
        result.issues += eos_issues(result.row, layout, template)
        laid.append((result, layout))
    if not laid:
        return
    for (result, _), size in zip(laid, measure(template.tokenizer, [lay for _, lay in laid], max_length),
                                 strict=True):
        result.size = size
        result.issues += length_issues(result.row, size, max_length)
