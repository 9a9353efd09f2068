"""`tunedesk runbook`: reports/runbook.md (and runbook.html) for the engineer who runs this workspace, written from
its own config, model registry and runs, with the exact commands for it."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tunedesk import __version__
from tunedesk.runbook import model_sections, ops_sections
from tunedesk.runbook.facts import Facts, gather
from tunedesk.workspace import Workspace

SECTIONS: tuple[Callable[[Facts], list[str]], ...] = (
    model_sections.deployed, model_sections.retraining, model_sections.evaluation, model_sections.promotion,
    model_sections.rollback, model_sections.rollout, ops_sections.api_keys, ops_sections.backup,
    ops_sections.locations, ops_sections.triggers, ops_sections.incident,
)
COMMAND = re.compile(r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*tunedesk\s")


@dataclass
class RunbookSummary:
    """What `tunedesk runbook` wrote and what it found."""

    workspace: Path
    served: str
    production: str | None
    previous: str | None
    sections: int
    commands: list[str] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON `runbook --json` prints."""
        return {"workspace": str(self.workspace), "served": self.served, "production": self.production,
                "rollback_target": self.previous, "sections": self.sections, "commands": len(self.commands),
                "paths": self.paths}


def write_runbook(ws: Workspace) -> RunbookSummary:
    """Gather the workspace's facts, write reports/runbook.md and reports/runbook.html, and say what they hold."""
    facts = gather(ws)
    markdown = render(facts)
    folder = ws.output_dir("reports")
    md_path, html_path = folder / "runbook.md", folder / "runbook.html"
    md_path.write_text(markdown, encoding="utf-8")
    html_path.write_text(to_html(markdown, f"Runbook: {ws.config.name}"), encoding="utf-8")
    d = facts.deployment
    return RunbookSummary(ws.root, d.served, d.production.id if d.production else None, d.previous, len(SECTIONS),
                          commands=printed_commands(markdown),
                          paths={"markdown": str(md_path), "html": str(html_path)})


def render(facts: Facts) -> str:
    """The whole runbook as Markdown."""
    now = datetime.now(UTC)
    lines = [f"# Runbook: {facts.ws.config.name}", "",
             f"Workspace `{facts.ws.root}` · store {facts.store.engine} · written {now:%Y-%m-%d %H:%M} UTC by "
             f"tunedesk {__version__} from tunedesk.yaml and the model registry. It goes stale when they change: "
             "write it again after every promotion, rollback or config change.", ""]
    lines += model_sections.code(facts.cmd("runbook"))
    for section in SECTIONS:
        lines += section(facts)
    return "\n".join(lines).rstrip() + "\n"


def printed_commands(markdown: str) -> list[str]:
    """Every `tunedesk ...` line inside the runbook's code blocks (leading VAR=value assignments included)."""
    commands, inside = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and COMMAND.match(line.strip()):
            commands.append(line.strip())
    return commands


def to_html(markdown: str, title: str) -> str:
    """The Markdown as a standalone HTML page (markdown-it, which rich already brings, with tables on)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}"
             "pre{background:#f4f4f4;padding:.6rem;overflow-x:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}")
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head>\n<body>\n{body}</body></html>\n")
