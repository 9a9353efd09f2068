"""Stored evaluations judged again the way today's eval would judge them, without generating again: today's judge,
the text the server sends (a ticket handed to a person is judged on the holding reply marked with the reason, not
on the model's text; `ANSWER_PATH` server:2), and today's precedent guard, built as the server builds it for each
version, applied to the model's stored text where it answered. For the whole table after a change to the judge or
that guard, at the cost of judging, not of answering (generation is deterministic per ticket, so a fresh
`tunedesk eval` gives the same model texts).

    python bench/rejudge.py -w bench/.work/real_data/bitext RUN retrieval base

Writes bench/results/rejudge_<workspace>.json: for each version the stored scores and today's, shares with Wilson
intervals, escalation recall and precision, and each version against the others (paired bootstrap, eval's seed).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from tunedesk.answer.backends.scripted import ScriptedBackend
from tunedesk.answer.guardrails import Guardrails
from tunedesk.answer.guards import Draft, precedent
from tunedesk.answer.setup import build_responder
from tunedesk.checks.marker import add_marker
from tunedesk.eval.answering import split_items
from tunedesk.eval.compare import versus, wilson
from tunedesk.eval.judges.base import Item, Verdict
from tunedesk.eval.metrics import escalation, score_shares, share
from tunedesk.eval.stage import eval_judge
from tunedesk.records import TicketIn
from tunedesk.workspace import Workspace

RESULTS = Path(__file__).resolve().parent / "results"


def served_text(row: dict[str, Any], item: Item, rails: Guardrails, voice_refusal: str) -> tuple[str, bool]:
    """What today's server sends for a stored reply, and whether today's precedent guard handed it to a person."""
    served = row["served"]
    model_text = served.get("draft") or row["reply"]
    if served.get("confidence") is None:  # a guard answered before the model: already the server's text
        return row["reply"], False
    if served["decision"] == "escalate":
        return add_marker(rails.holding_reply(served["reasons"]), (served["reasons"] or ["escalated"])[0]), False
    if served["decision"] == "refuse":
        return voice_refusal, False
    ticket = TicketIn(id=item.id, messages=[m for m in item.messages if m["role"] in ("user", "assistant")])
    verdict = precedent(ticket, Draft(model_text, None, None), rails.kit)  # type: ignore[arg-type]
    if verdict is not None and verdict.action == "escalate":
        return add_marker(rails.holding_reply([verdict.reason]), verdict.reason), True
    return model_text, False


def server_guardrails(ws: Workspace, version: str) -> Guardrails:
    """The version's guardrails exactly as `tunedesk serve` and eval build them (its training file, the server's
    embedder), with a stand-in backend so that no model is loaded."""
    responder = build_responder(ws, version=version, backend=ScriptedBackend(["unused"]), check_index=False)
    responder.close()
    return responder.guardrails


def shares(verdicts: list[Verdict]) -> dict[str, Any]:
    """Today's score shares with intervals, escalation and hallucination, as eval's metrics compute them."""
    counts, n = Counter(v.score for v in verdicts), len(verdicts)
    return {"n": n, **score_shares(verdicts), "score_3_ci": wilson(counts[3], n), "score_1_ci": wilson(counts[1], n),
            **escalation(verdicts), "hallucination_rate": share(sum(bool(v.checks.get("hallucinations"))
                                                                    for v in verdicts), n)}


def rejudge(workspace: Path, versions: list[str]) -> dict[str, Any]:
    ws = Workspace.open(workspace, [])
    judge = eval_judge(ws)
    items = {i.id: i for i in split_items(ws, "holdout")}
    refusal = ws.policies().voice.refusal
    found: dict[str, Any] = {"workspace": str(workspace), "escalated_share": {}, "versions": {}, "versus": {}}
    scores: dict[str, list[int]] = {}
    for version in versions:
        rails = server_guardrails(ws, version)
        found["escalated_share"][version] = rails.kit.escalated_share
        rows = [json.loads(line) for line in (workspace / "reports" / "eval" / version / "replies.jsonl").open()]
        chosen = [items[r["id"]] for r in rows]
        texts, handed = zip(*(served_text(r, i, rails, refusal) for r, i in zip(rows, chosen, strict=True)),
                            strict=True)
        verdicts = judge.judge(chosen, list(texts))
        scores[version] = [v.score for v in verdicts]
        found["versions"][version] = {"stored": shares_of_stored(rows), "today": shares(verdicts),
                                      "precedent_guard_handed_over": [r["id"] for r, h in zip(rows, handed,
                                                                                              strict=True) if h]}
    for a in versions:
        for b in versions:
            if a != b and len(scores[a]) == len(scores[b]):
                found["versus"][f"{a} vs {b}"] = versus(scores[a], scores[b], seed=ws.config.eval.seed)
    return found


def shares_of_stored(rows: list[dict[str, Any]]) -> dict[str, float]:
    counts, n = Counter(r["score"] for r in rows), len(rows)
    return {f"score_{s}": counts[s] / n for s in (3, 2, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-w", "--workspace", type=Path, required=True)
    parser.add_argument("versions", nargs="+", help="evaluated versions (reports/eval/<version>/replies.jsonl)")
    args = parser.parse_args()
    found = rejudge(args.workspace, args.versions)
    print(f"precedent guard's escalated share by version: {found['escalated_share']}")
    print(f"{'version':24s} {'stored s3':>9s} {'today s3':>9s} {'interval':>12s} {'s1':>7s} {'esc recall':>10s} "
          f"{'halluc':>7s} handed over by the guard")
    for version, v in found["versions"].items():
        t = v["today"]
        low, high = t["score_3_ci"]
        print(f"{version:24s} {v['stored']['score_3']:>9.1%} {t['score_3']:>9.1%} {low:>5.0%}–{high:<6.0%} "
              f"{t['score_1']:>7.1%} {t['escalation_recall']:>10.1%} {t['hallucination_rate']:>7.1%} "
              f"{len(v['precedent_guard_handed_over'])}")
    for pair, d in found["versus"].items():
        low, high = d["score_3_delta_ci"]
        print(f"  {pair}: score 3 {100 * d['score_3_delta']:+.1f} pts [{100 * low:+.1f}, {100 * high:+.1f}], "
              f"score 1 {100 * d['score_1_delta']:+.1f} pts")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"rejudge_{args.workspace.resolve().name}.json"
    path.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
