"""`tunedesk validate FILE`: catch bad training data before any compute is spent on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunedesk.errors import ConfigError, TunedeskError
from tunedesk.models.template import load_template
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.trainfile.chat import ChatRow, to_chat
from tunedesk.trainfile.flat import NO_MARKERS, LegacyMarkers, legacy_markers
from tunedesk.trainfile.reading import FORMATS, FileRead, detect_format, read_rows
from tunedesk.validate.analysis import Checks, RowResult, check_rows
from tunedesk.validate.dataset import dataset_issues
from tunedesk.validate.estimate import detect_gpu, parameter_count, training_time
from tunedesk.validate.fix import fix_rows, write_rows
from tunedesk.validate.issues import IssueLog, ValidationReport, issue
from tunedesk.validate.policy import PromptCheck
from tunedesk.validate.stats import row_stats, token_stats
from tunedesk.workspace import Workspace


def run(path: Path, *, model: str = "smollm2-135m", max_length: int = 1024, workspace: Workspace | None = None,
        fix_path: Path | None = None, file_format: str | None = None, chat_template: str | None = None,
        reporter: Reporter | None = None) -> ValidationReport:
    """Validate a training file against the model's chat template; with `fix_path`, also write a fixed copy."""
    path = Path(path)
    read = read_rows(path)
    log = IssueLog()
    log.extend(read.issues)
    if not read.readable:
        return _report(path, None, read, log, {})
    fmt = _choose_format(file_format, read)
    markers = legacy_markers(read.rows) if fmt == "prompt_completion" else NO_MARKERS
    rows: list[ChatRow] = []
    for raw in read.rows:
        row, found = to_chat(raw, fmt, markers)
        log.extend(found)
        if row.messages:
            rows.append(row)
    checks = _checks(model, max_length, workspace, chat_template, fmt, log)
    with (reporter or SilentReporter()).task(f"validating {path.name}", total=len(rows)) as task:
        results = check_rows(rows, checks, task)
    for result in results:
        log.extend(result.issues)
    log.extend(dataset_issues(rows, fmt))
    report = _report(path, fmt, read, log, _stats(read, rows, results, checks, model))
    if fix_path is not None:
        _write_fixed(report, read, fmt, markers, checks, Path(fix_path))
    return report


def _choose_format(file_format: str | None, read: FileRead) -> str:
    if file_format is None:
        return detect_format(read.rows)
    if file_format not in FORMATS:
        raise ConfigError("validate --format", [f"format: {file_format!r} is not one of {', '.join(FORMATS)}"])
    return file_format


def _checks(model: str, max_length: int, workspace: Workspace | None, chat_template: str | None, fmt: str,
            log: IssueLog) -> Checks:
    """The template (given file, else the workspace's, else the tokenizer's) and the workspace's system prompt."""
    template_file = Path(chat_template) if chat_template else None
    if template_file is None and workspace is not None and workspace.config.model.chat_template:
        template_file = workspace.path(workspace.config.model.chat_template)
    template = load_template(model, template_file)
    if not template.available:
        log.add(issue("no_chat_template", f"{model} has no chat template: give one with --chat-template (a Jinja "
                      "file) or model.chat_template in tunedesk.yaml; the template and token checks were skipped"))
    prompt = PromptCheck.for_workspace(workspace) if workspace is not None else None
    return Checks(template, max_length, fmt, prompt)


def _stats(read: FileRead, rows: list[ChatRow], results: list[RowResult], checks: Checks,
           model: str) -> dict[str, Any]:
    stats = row_stats(read.lines, rows)
    if checks.template is None or not checks.template.available:
        return stats
    stats["model"] = model
    stats["chat_template"] = checks.template.source
    stats.update(token_stats([r.size for r in results if r.size is not None], len(rows), checks.max_length))
    stats["time_estimate"] = training_time(stats["training_tokens"], parameter_count(model), detect_gpu())
    return stats


def _report(path: Path, fmt: str | None, read: FileRead, log: IssueLog, stats: dict[str, Any]) -> ValidationReport:
    return ValidationReport(path=path, format=fmt, rows=read.lines, errors=log.of("error"),
                            warnings=log.of("warning"), stats=stats, counts=dict(log.counts))


def _write_fixed(report: ValidationReport, read: FileRead, fmt: str, markers: LegacyMarkers, checks: Checks,
                 fix_path: Path) -> None:
    outcome = fix_rows(read.rows, fmt, markers, checks)
    for unreadable in read.issues:  # lines that are not JSON objects cannot be repaired
        outcome.dropped[unreadable.code] += 1
    try:
        write_rows(outcome.rows, fix_path)
    except OSError as exc:
        raise TunedeskError(f"cannot write the fixed copy to {fix_path}: {exc.strerror or exc}") from None
    report.fixed_path = fix_path
    report.fixes = dict(outcome.fixes)
    report.dropped = dict(outcome.dropped)
    report.written = len(outcome.rows)
