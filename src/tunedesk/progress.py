"""Progress and console output. Stages take a `Reporter`; the CLI passes a rich one, tests a silent one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class Task(Protocol):
    """A unit of long work that advances."""

    def advance(self, n: int = 1) -> None:
        """Record `n` more items done."""


class Reporter(Protocol):
    """Something that shows progress of long work."""

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        """Show a task while the block runs."""
        ...


class _NullTask:
    def advance(self, n: int = 1) -> None:
        pass


class SilentReporter:
    """Shows nothing (tests, --quiet)."""

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        """Run the block without output."""
        yield _NullTask()


class _RichTask:
    def __init__(self, progress: Progress, task_id: int) -> None:
        self._progress, self._id = progress, task_id

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._id, n)  # type: ignore[arg-type]


class RichReporter:
    """Progress bars on stderr, so `--json` output on stdout stays clean."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Task]:
        """Show a bar (or a counter when the total is unknown) while the block runs."""
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn()]
        with Progress(*columns, console=self.console, transient=False) as progress:
            task_id = progress.add_task(description, total=total)
            yield _RichTask(progress, task_id)


def print_paths(console: Console, paths: dict[str, str]) -> None:
    """The files a stage wrote, one per line under its name: the last lines of every stage summary."""
    for name, path in paths.items():
        console.print(f"  {name:<12} {path}", highlight=False)
