"""What `tunedesk serve` in mode auto would do with an evaluation's replies, and how many of those sent are wrong.

eval's own auto-send figure counts replies that do not escalate and reach the high confidence threshold. The
server does more: guardrails before generation (escalation rules, sentiment, injection, off-topic) and after
(grounding, length, the model's own marker). This replays every held-out reply eval generated through the
server's own pipeline (the Responder of `tunedesk serve`, with a scripted backend that returns the reply and the
confidence eval measured, so no model runs) and scores what it would send with the eval judge's verdicts:
auto-sent replies, and the brand's refusal wherever a guard refuses. Cross-fitted like eval: the high threshold
for each half of the items is fitted on the other half. Side by side: eval's simulation on the same items.

    python bench/auto_send_replay.py -w demo-workspace                 # the newest run
    python bench/auto_send_replay.py -w demo-workspace --model 20261121-155526-full

Prints a table and writes bench/results/auto_send_replay.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
TARGET_WRONG = 0.01


class _NoLog:
    """The replay leaves the workspace's reply log alone."""

    def record(self, row: dict[str, Any]) -> None:
        pass


def replay(ws: Any, version: str) -> list[dict[str, Any]]:
    """Each held-out item with its judged score and the server's decision for the reply eval generated."""
    from tunedesk.eval.calibration import confidence_of, thresholds
    from tunedesk.eval.results import eval_dir, read_replies
    from tunedesk.serve.backends.scripted import ScriptedBackend
    from tunedesk.serve.setup import build_responder
    from tunedesk.serve.types import Completion, TicketIn

    rows, _ = read_replies(eval_dir(ws.root, version))
    threads = held_out_threads(ws.output_dir("data") / "holdout.jsonl")
    current: dict[str, Any] = {}
    backend = ScriptedBackend(lambda request: Completion(
        current["reply"], mean_logprob=current["confidence"]["logprob_mean"],
        min_logprob=current["confidence"].get("logprob_min")), model_version=version)
    responder = build_responder(ws, backend=backend, version=version)
    responder.log = _NoLog()
    folds = [hashlib.sha1(r["id"].encode()).digest()[0] % 2 for r in rows]
    confidences = [confidence_of(r["confidence"]["logprob_mean"]) for r in rows]
    out = []
    for fold in (0, 1):
        fit = [k for k, f in enumerate(folds) if f != fold]
        responder.calibration = thresholds([confidences[k] for k in fit], [rows[k]["score"] == 3 for k in fit])
        for k in (k for k, f in enumerate(folds) if f == fold):
            current.clear()
            current.update(rows[k])
            result = responder.respond(TicketIn(id=rows[k]["id"], messages=threads[rows[k]["id"]]))
            out.append({"id": rows[k]["id"], "kind": rows[k]["kind"], "category": rows[k]["category"],
                        "score": rows[k]["score"], "decision": result.decision, "reasons": result.reasons})
    responder.close()
    return out


def held_out_threads(path: Path) -> dict[str, list[dict[str, str]]]:
    """Each held-out example's thread as the server receives it: the conversation without the system prompt and
    without the target reply."""
    threads = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        messages = [m for m in row["messages"] if m["role"] in ("user", "assistant")]
        threads[row["id"]] = messages[:-1] if messages and messages[-1]["role"] == "assistant" else messages
    return threads


def tally(decided: list[dict[str, Any]]) -> dict[str, Any]:
    """Decisions, and what reaches the customer without a person: auto-sent replies and guard refusals."""
    sent = [d for d in decided if d["decision"] == "auto_send"]
    refused = [d for d in decided if d["decision"] == "refuse"]
    wrong_sent = sum(d["score"] == 1 for d in sent)
    wrong_refusals = sum(d["kind"] != "refusal" for d in refused)
    reaching = len(sent) + len(refused)
    return {
        "items": len(decided), "decisions": dict(Counter(d["decision"] for d in decided)),
        "auto_sent": len(sent), "auto_sent_share": _share(len(sent), len(decided)),
        "auto_sent_score_3": sum(d["score"] == 3 for d in sent),
        "auto_sent_score_2": sum(d["score"] == 2 for d in sent),
        "auto_sent_wrong": wrong_sent, "auto_sent_wrong_share": _share(wrong_sent, len(sent)),
        "refused": len(refused), "refused_on_topic": wrong_refusals,
        "without_a_person_wrong_share": _share(wrong_sent + wrong_refusals, reaching),
        "escalated_kinds": dict(Counter(d["kind"] for d in decided if d["decision"] == "escalate")),
        "auto_sent_wrong_items": [{k: d[k] for k in ("id", "kind", "category")} for d in sent if d["score"] == 1],
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-w", "--workspace", type=Path, default=Path("demo-workspace"))
    parser.add_argument("--model", default="latest", help="A run id (default: the newest run).")
    args = parser.parse_args()
    from tunedesk.eval.results import read_summary
    from tunedesk.train.runs import find_run
    from tunedesk.workspace import Workspace

    if not (args.workspace / "tunedesk.yaml").is_file() or not (args.workspace / "runs").is_dir():
        print(f"skipped: no trained workspace at {args.workspace} (run `make demo` first)")
        return 0
    ws = Workspace.open(args.workspace, ["serve.mode=auto", "serve.rollout_percent=100"])
    version = find_run(ws.root, args.model).id if args.model == "latest" else args.model
    if read_summary(ws.root, version) is None:
        print(f"skipped: {version} has no evaluation (run `tunedesk eval -w {args.workspace} --model {version}`)")
        return 0
    server = tally(replay(ws, version))
    summary = read_summary(ws.root, version) or {}
    eval_sim = {k: summary.get(k) for k in ("n", "auto_sent", "auto_sent_share", "auto_sent_wrong",
                                            "auto_sent_wrong_share", "score_3", "score_1")}
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
    for column in ("", "eval's simulation", "server replay"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("items", str(sim.get("n")), str(server["items"]))
    table.add_row("auto-sent", str(sim.get("auto_sent")), str(server["auto_sent"]))
    table.add_row("auto-sent that score 1", str(sim.get("auto_sent_wrong")), str(server["auto_sent_wrong"]))
    table.add_row("auto-sent wrong share (target < 1 %)", _pct(sim.get("auto_sent_wrong_share")),
                  _pct(server["auto_sent_wrong_share"]))
    table.add_row("refused by a guard (on-topic ones)", "—", f"{server['refused']} ({server['refused_on_topic']})")
    table.add_row("decisions", "—", ", ".join(f"{k} {v}" for k, v in sorted(server["decisions"].items())))
    Console().print(table)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


if __name__ == "__main__":
    sys.exit(main())
