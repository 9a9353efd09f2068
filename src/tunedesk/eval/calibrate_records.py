"""The records of calibration runs: the full run's plan, one point per calibration run, and the summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Point:
    """One calibration run and what it scored on validation."""

    share: float
    run: str
    examples: int
    steps: int
    budget_tokens: int
    tokens: int
    seconds: float
    val_loss: float | None
    score_3: float
    score_1: float
    scores: list[int] = field(repr=False)
    eval_seconds: float = 0.0
    """Of `seconds`, the time its validation-loss pass took (not training)."""


@dataclass
class FullRun:
    """What `tunedesk train` with the same config and overrides would do."""

    examples: int
    steps: int
    tokens: int
    tokens_per_step: float
    val_passes: int = 0
    """Validation-loss passes the full run will make (every train.eval_every steps, the last step, the start)."""


@dataclass
class CalibrationSummary:
    """The calibration runs, the forecast, the verdict and the files written."""

    id: str
    full: FullRun
    points: list[Point]
    forecast: dict[str, Any]
    verdict: dict[str, Any]
    validation: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON written to reports/calibration.json and printed by `train --calibrate --json`."""
        return {"id": self.id, "full_run": asdict(self.full), "points": [asdict(p) for p in self.points],
                "forecast": self.forecast, "verdict": self.verdict, "validation": self.validation,
                "paths": self.paths}
