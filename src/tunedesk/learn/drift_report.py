"""What `tunedesk drift` found: its signals, the verdict and reports/drift.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["retrain", "ok", "not_enough_data"]
Value = float | int | str | None


@dataclass
class Signal:
    """One reason to retrain, measured: its value, the threshold it is held to, and whether it crossed it."""

    name: str
    value: Value
    threshold: Value
    triggered: bool
    detail: str
    reason: str = ""
    """The line the verdict gives when this signal says retrain."""

    def as_dict(self) -> dict[str, Any]:
        """The signal as a row of drift.json."""
        return {"name": self.name, "value": self.value, "threshold": self.threshold, "triggered": self.triggered,
                "detail": self.detail}


@dataclass
class DriftSummary:
    """The drift check of one run: how much it was compared on, every signal, and the verdict."""

    run: str
    recent_tickets: int
    training_examples: int
    window: str = ""
    signals: list[Signal] = field(default_factory=list)
    verdict: Verdict = "ok"
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)

    def signal(self, name: str) -> Signal:
        """A signal by name."""
        return next(s for s in self.signals if s.name == name)

    def decide(self, enough: bool, min_tickets: int) -> None:
        """Set the verdict: retrain on any triggered signal, else not_enough_data (too few recent tickets) or ok."""
        triggered = [s for s in self.signals if s.triggered]
        few = f"{self.recent_tickets} recent tickets, fewer than drift.min_tickets={min_tickets}"
        if triggered:
            self.verdict, self.reasons = "retrain", [s.reason or f"{s.name}: {s.detail}" for s in triggered]
            if not enough:
                self.notes.append(f"{few}: the category and embedding checks were not judged")
        elif not enough:
            self.verdict, self.reasons = "not_enough_data", [few]
        else:
            self.verdict, self.reasons = "ok", []

    def as_dict(self) -> dict[str, Any]:
        """The JSON `drift --json` prints and reports/drift.json holds."""
        return {"verdict": self.verdict, "run": self.run, "recent_tickets": self.recent_tickets,
                "training_examples": self.training_examples, "window": self.window,
                "signals": [s.as_dict() for s in self.signals], "reasons": self.reasons, "notes": self.notes,
                "paths": self.paths}


def write_report(folder: Path, summary: DriftSummary) -> Path:
    """Write drift.json into the reports folder (replacing the previous check) and return its path."""
    path = folder / "drift.json"
    summary.paths["report"] = str(path)
    path.write_text(json.dumps(summary.as_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    return path
