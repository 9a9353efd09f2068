"""`tunedesk`: the entry point. Imports every command module (each registers its commands on `app`) and turns
the project's own errors into one clean message and an exit code."""

from __future__ import annotations

import sys

# Each module registers its commands on `app`; `--help` lists them in this (alphabetical) import order.
from tunedesk.cli import (  # noqa: F401
    data,  # init, ingest, clean, build, validate, status, config, version
    engagement,  # brief
    learn,  # drift, retrain, feedback export
    lifecycle,  # models, promote, rollback
    models,  # train, runs, export, eval, report
    review,  # review export / import / agreement
    runbook,  # runbook, backup, restore
    serve,  # serve
)
from tunedesk.cli.app import app, err, privacy_defaults
from tunedesk.errors import ConfigError, TunedeskError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app, turning the project's own errors into one clean message and exit code 2."""
    privacy_defaults()
    try:
        app()
    except ConfigError as exc:
        err.print(f"[bold red]error:[/] {exc.source}: {len(exc.problems)} problem(s)", highlight=False)
        for problem in exc.problems:
            err.print(f"  - {problem}", markup=False, highlight=False)
        sys.exit(2)
    except TunedeskError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted: rerun the same command to continue (stages are idempotent)")
        sys.exit(130)
