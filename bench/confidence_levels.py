"""What a "high" confidence level is worth: the calibrator fitted on the validation split as `tunedesk eval` fits it,
the thresholds set by today's rule (the share right must reach the target with 95 % confidence, its one-sided
Clopper-Pearson lower bound) beside the old rule (the share itself, on at least 5 replies), and each applied to the
run's stored held-out replies: how many answered replies would be "high", and how many of those scored 3.

    python bench/confidence_levels.py -w bench/.work/real_data/bitext --model RUN serve.backend.max_new_tokens=256

It needs `tunedesk eval -w WS --model RUN` first (the held-out replies and their signals). It answers the
validation split again (about 5 s a ticket on 2 cores), so it is not in `make bench`. Writes
bench/results/confidence_levels.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tunedesk.answer.calibration import HIGH_PRECISION, MEDIUM_PRECISION, cumulative, thresholds
from tunedesk.answer.confidence import fit
from tunedesk.eval.answering import answered_by, judged, split_items
from tunedesk.eval.compare import wilson
from tunedesk.eval.stage import eval_judge
from tunedesk.workspace import Workspace

RESULTS = Path(__file__).resolve().parent / "results" / "confidence_levels.json"


def share_rule(confidences: list[float], correct: list[bool]) -> dict[str, float | None]:
    """The old rule: the lowest confidence where the share right, on at least 5 replies, reaches each target."""
    found: dict[str, float | None] = {"high": None, "medium": None}
    for confidence, right, seen in cumulative(confidences, correct):
        for name, target in (("high", HIGH_PRECISION), ("medium", MEDIUM_PRECISION)):
            if seen >= 5 and right / seen >= target:
                found[name] = round(confidence, 4)
    return found


def measure(workspace: Path, model: str, overrides: list[str]) -> dict[str, Any]:
    ws = Workspace.open(workspace, overrides)
    items = split_items(ws, "val")
    answers = answered_by(ws, model, items)
    asked = [(a, v) for a, v in zip(answers, judged(eval_judge(ws), items, answers), strict=True)
             if a.confidence is not None]
    correct = [v.score == 3 for _, v in asked]
    calibrator = fit([a.signals for a, _ in asked], correct)
    if calibrator is None:
        raise SystemExit(f"{workspace}: too few validation replies to fit a calibrator")
    probabilities = [calibrator.probability(a.signals) for a, _ in asked]
    held = [json.loads(line) for line in (workspace / "reports" / "eval" / model / "replies.jsonl").open()]
    rules = {"share (old)": share_rule(probabilities, correct), "95 % lower bound (today)": thresholds(probabilities,
                                                                                                        correct)}
    found: dict[str, Any] = {"validation": {"n": len(items), "score_3": sum(correct)}, "rules": {}}
    for name, fitted in rules.items():
        high = fitted["high"]
        chosen = [r for r in held if high is not None and r["served"]["decision"] not in ("escalate", "refuse")
                  and calibrator.probability(r["served"]["signals"]) >= high]
        right = sum(r["score"] == 3 for r in chosen)
        found["rules"][name] = {"thresholds": fitted, "held_out_high": len(chosen), "score_3": right,
                                "score_1": sum(r["score"] == 1 for r in chosen),
                                "score_3_interval": wilson(right, len(chosen))}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-w", "--workspace", type=Path, required=True)
    parser.add_argument("--model", required=True, help="a run evaluated with `tunedesk eval` before")
    parser.add_argument("overrides", nargs="*", help="config overrides, as for `tunedesk eval`")
    args = parser.parse_args()
    if not (args.workspace / "reports" / "eval" / args.model / "replies.jsonl").is_file():
        raise SystemExit(f"{args.workspace}: no held-out evaluation of {args.model}; run `tunedesk eval` first")
    found = measure(args.workspace, args.model, args.overrides)
    print(f"validation: {found['validation']['score_3']} of {found['validation']['n']} score 3")
    print(f"{'rule':28s} {'high':>7s} {'medium':>7s} {'held-out high':>14s} {'score 3':>8s} {'score 1':>8s}  interval")
    for name, rule in found["rules"].items():
        fitted = rule["thresholds"]
        print(f"{name:28s} {fitted['high']!s:>7s} {fitted['medium']!s:>7s} {rule['held_out_high']:>14d} "
              f"{rule['score_3']:>8d} {rule['score_1']:>8d}  {rule['score_3_interval']}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"workspace": str(args.workspace), "model": args.model, **found}, indent=2) + "\n",
                       encoding="utf-8")
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    main()
