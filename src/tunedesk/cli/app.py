"""The `tunedesk` app and what every command shares: the consoles, the common options, argument parsing, the
progress reporter and `show` (a summary as JSON or through its stage's console printer). Command modules import
this module and register on `app`; `tunedesk.cli.main` imports them all."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Protocol, TypeVar

import typer
from rich.console import Console

from tunedesk.errors import ConfigError, TunedeskError
from tunedesk.progress import Reporter

app = typer.Typer(
    name="tunedesk", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Turn your own support history into a support model you own.",
)
out = Console()
err = Console(stderr=True)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="The workspace folder.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object with the counts and paths.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
_OVERRIDE = re.compile(r"^[A-Za-z_][\w.]*=")


def privacy_defaults() -> None:
    # No telemetry and no hub calls, whatever library later stages import.
    for key, value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                       "HF_HUB_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1", "TRL_DISABLE_TELEMETRY": "1"}.items():
        os.environ.setdefault(key, value)


def split_args(args: list[str] | None) -> tuple[list[Path], list[str]]:
    """Positional arguments as paths, except `key=value` ones that are not existing files: config overrides."""
    paths, overrides = [], []
    for arg in args or []:
        if _OVERRIDE.match(arg) and not Path(arg).exists():
            overrides.append(arg)
        else:
            paths.append(Path(arg))
    return paths, overrides


def overrides_only(args: list[str] | None) -> list[str]:
    """Arguments that must all be key=value overrides."""
    bad = [a for a in args or [] if not _OVERRIDE.match(a)]
    if bad:
        raise ConfigError("command-line overrides", [f"{a!r}: expected key=value, e.g. clean.min_csat=4" for a in bad])
    return list(args or [])


def parse_since(value: str | None) -> datetime | None:
    """--since as a datetime (a date means its midnight, UTC unless a zone is given)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise TunedeskError(f"--since {value!r}: expected an ISO date such as 2026-03-01 or "
                            "2026-03-01T12:00") from None


class Summary(Protocol):
    """What a stage returns: its counts and paths as one JSON-able dict."""

    def as_dict(self) -> dict[str, object]: ...


S = TypeVar("S", bound=Summary)


def show(summary: S, as_json: bool, printer: Callable[[Console, S], None]) -> None:
    """A stage's summary as one JSON object (`summary.as_dict()`), or through its stage's console printer."""
    if as_json:
        print(json.dumps(summary.as_dict(), default=str))
        return
    printer(out, summary)


def reporter(quiet: bool, as_json: bool) -> Reporter:
    """A progress reporter on stderr, or a silent one."""
    from tunedesk.progress import RichReporter, SilentReporter

    return SilentReporter() if quiet or as_json else RichReporter(err)


def relative(path: Path, root: Path) -> str:
    """A path as shown to a person: relative to `root` when it is inside."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
