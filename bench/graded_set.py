"""The graded set: replies of several models to the example's held-out tickets, each graded 3/2/1 by a person
against the rubric with a reason (bench/graded/example_replies.jsonl), and how far the configured judge agrees.

    python bench/graded_set.py sheet -w demo-workspace --models base retrieval RUN ... --out sheet.jsonl
        writes the rows to grade: conversation, reference, reply, category, kind — no judge score, so the
        person grading is not led by it
    python bench/graded_set.py agreement -w demo-workspace [--set bench/graded/example_replies.jsonl]
        runs `tunedesk judge` on the graded set and writes bench/results/judge_agreement.json

The rubric a person grades by: 3 = accurate and complete; 2 = right direction, a detail missing; 1 = factually
wrong or clearly off-base (a contradicted policy, an invented fact or promise, a wrong decision to escalate or
refuse, degenerate text, off the point).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GRADED = HERE / "graded" / "example_replies.jsonl"
RESULTS = HERE / "results" / "judge_agreement.json"


def sheet(workspace: Path, models: list[str], out: Path, limit: int | None) -> int:
    """Rows to grade for every model's evaluation of the held-out set (the same items for each model)."""
    held = {r["id"]: r for r in map(json.loads, (workspace / "data" / "holdout.jsonl").read_text().splitlines())}
    rows = []
    for model in models:
        replies = (workspace / "reports" / "eval" / model / "replies.jsonl").read_text().splitlines()
        for line in replies[:limit]:
            reply = json.loads(line)
            item = held[reply["id"]]
            rows.append({"id": f"{model}:{reply['id']}", "model": model, "category": reply["category"],
                         "kind": reply["kind"], "messages": item["messages"][:-1], "reference": reply["reference"],
                         "reply": reply["reply"]})
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def agreement(workspace: Path, graded: Path) -> dict[str, object]:
    """The judge's agreement with the person's grades, from `tunedesk judge --json`."""
    proc = subprocess.run([sys.executable, "-m", "tunedesk", "judge", str(graded), "-w", str(workspace), "--json"],
                          capture_output=True, text=True, check=True)
    found: dict[str, object] = json.loads(proc.stdout)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({k: found[k] for k in ("n", "graded", "agreement", "kappa", "confusion",
                                                         "judge_scores", "disagreements")}, indent=2) + "\n")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("sheet", help="write rows to grade")
    make.add_argument("-w", "--workspace", type=Path, required=True)
    make.add_argument("--models", nargs="+", required=True)
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--limit", type=int, default=None)
    check = sub.add_parser("agreement", help="the judge against the graded set")
    check.add_argument("-w", "--workspace", type=Path, required=True)
    check.add_argument("--set", type=Path, default=GRADED)
    args = parser.parse_args()
    if args.command == "sheet":
        print(f"{sheet(args.workspace, args.models, args.out, args.limit)} rows in {args.out}")
        return
    found = agreement(args.workspace, args.set)
    print(f"judge vs person on {found['graded']} replies: agreement {found['agreement']}, kappa {found['kappa']}")
    print(f"confusion (rows: judge 1, 2, 3; columns: person 1, 2, 3): {found['confusion']}")
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    main()
