"""What `tunedesk serve` in mode auto would do with an evaluation's replies, and how many of those sent are wrong.

Side by side on one evaluation's replies: the confidence-only estimate (replies that do not escalate and reach
the high confidence threshold) and the server replay (tunedesk.eval.replay: every held-out reply eval generated
goes through the server's own pipeline — guardrails before generation (escalation rules, sentiment, injection,
off-topic) and after (the model's marker, grounding, precedent, length), confidence, routing in mode auto — with
a scripted backend returning the reply and the confidence eval measured, so no model runs). What it would send
is scored with the eval judge's verdicts. Both cross-fitted: the high threshold for each half of the items is
fitted on the other half. `tunedesk eval` reports the server replay itself; this script also replays
evaluations made before it did, with the current guardrails.

    python bench/auto_send_replay.py -w demo-workspace                 # the newest run
    python bench/auto_send_replay.py -w demo-workspace --model 20261121-155526-full

Prints a table and writes bench/results/auto_send_replay.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tunedesk.eval.metrics import share

HERE = Path(__file__).resolve().parent
TARGET_WRONG = 0.01


def replay(ws: Any, version: str) -> dict[str, Any]:
    """The server's figures for the replies eval generated, with what this bench also shows: partial replies
    sent, the wrong share of everything reaching a customer without a person, which kinds escalated, and which
    items were sent wrong."""
    from tunedesk.eval.replay import Replayed, auto_send_figures, decisions
    from tunedesk.eval.stage import held_out_items
    from tunedesk.store.evaluations import eval_dir, read_replies

    rows, _ = read_replies(eval_dir(ws.root, version))
    items = {item.id: item for item in held_out_items(ws, None)}
    replayed = [Replayed.of(items[r["id"]], r["reply"], r["confidence"]["logprob_mean"], r["score"]) for r in rows]
    decided = decisions(ws, version, replayed)
    figures = auto_send_figures(replayed, decided)
    sent = [r for r, d in zip(rows, decided, strict=True) if d == "auto_send"]
    reaching = figures["auto_sent"] + figures["guard_refused"]
    return {"items": len(rows), **figures, "auto_sent_score_2": sum(r["score"] == 2 for r in sent),
            "without_a_person_wrong_share": share(figures["auto_sent_wrong"] + figures["guard_refused_on_topic"],
                                                  reaching),
            "escalated_kinds": dict(Counter(r["kind"] for r, d in zip(rows, decided, strict=True) if d == "escalate")),
            "auto_sent_wrong_items": [{k: r[k] for k in ("id", "kind", "category")} for r in sent if r["score"] == 1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-w", "--workspace", type=Path, default=Path("demo-workspace"))
    parser.add_argument("--model", default="latest", help="A run id (default: the newest run).")
    args = parser.parse_args()
    from tunedesk.store.evaluations import read_summary
    from tunedesk.store.runs import find_run
    from tunedesk.workspace import Workspace

    if not (args.workspace / "tunedesk.yaml").is_file() or not (args.workspace / "runs").is_dir():
        print(f"skipped: no trained workspace at {args.workspace} (run `make demo` first)")
        return 0
    ws = Workspace.open(args.workspace, ["serve.mode=auto", "serve.rollout_percent=100"])
    version = find_run(ws.root, args.model).id if args.model == "latest" else args.model
    if read_summary(ws.root, version) is None:
        print(f"skipped: {version} has no evaluation (run `tunedesk eval -w {args.workspace} --model {version}`)")
        return 0
    server = replay(ws, version)
    summary = read_summary(ws.root, version) or {}
    estimate = summary.get("auto_sent_confidence_only") or summary  # older summaries hold only the estimate
    eval_sim = {"n": summary.get("n"), **{k: estimate.get(k) for k in ("auto_sent", "auto_sent_share",
                                                                       "auto_sent_wrong", "auto_sent_wrong_share")}}
    report = {"workspace": str(ws.root), "version": version, "target_wrong_share": TARGET_WRONG,
              "server_replay": server, "eval_simulation": eval_sim}
    path = HERE / "results" / "auto_send_replay.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _table(report)
    print(f"wrote {path}")
    return 0


def _table(report: dict[str, Any]) -> None:
    server, sim = report["server_replay"], report["eval_simulation"]
    table = Table(title=f"mode auto on the held-out replies of {report['version']}")
    for column in ("", "confidence only", "server replay"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("items", str(sim.get("n")), str(server["items"]))
    table.add_row("auto-sent", str(sim.get("auto_sent")), str(server["auto_sent"]))
    table.add_row("auto-sent that score 1", str(sim.get("auto_sent_wrong")), str(server["auto_sent_wrong"]))
    table.add_row("auto-sent wrong share (target < 1 %)", _pct(sim.get("auto_sent_wrong_share")),
                  _pct(server["auto_sent_wrong_share"]))
    table.add_row("refused by a guard (on-topic ones)", "—",
                  f"{server['guard_refused']} ({server['guard_refused_on_topic']})")
    table.add_row("decisions", "—", ", ".join(f"{k} {v}" for k, v in sorted(server["decisions"].items())))
    Console().print(table)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


if __name__ == "__main__":
    sys.exit(main())
