"""Does a similar past ticket decide for the model? Each version answers the same tickets twice through the
server's own path (eval's Responder: prompt, precedents, KB, decoding, guardrails, routing): once with the
precedents the server shows, once with precedents whose decision differs from the ticket's — a ticket to answer
with the most similar escalated past ticket among its precedents, an escalation with only answered past tickets.

A model that takes the decision from the customer's message hands over about as often in both; one that copies
the precedent's decision hands answerable tickets to a person when an escalated precedent is shown (a needless
hand-over) and answers escalations when none is. The figures are counts with 95 % Wilson intervals.

    python bench/precedent_decisions.py -w demo-workspace --models RUN [RUN ...] [--split val] [--limit N]

Writes bench/results/precedent_decisions.json. Choose `dataset.precedents.contrary_share` on the validation
split; the held-out split is for reporting.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunedesk.eval.answering import Answer, answer_items, eval_responder, judged, split_items
from tunedesk.eval.compare import wilson
from tunedesk.eval.stage import eval_judge
from tunedesk.prompt.precedents import PastTicket, Precedents
from tunedesk.records import TicketIn
from tunedesk.workspace import Workspace

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "precedent_decisions.json"
ANSWERABLE = ("answer", "cannot_know")


class ContraryPrecedents:
    """The server's precedents for a ticket, swapped for ones whose decision differs from the ticket's kind."""

    def __init__(self, picker: Precedents, kinds: dict[str, tuple[str, str]]) -> None:
        self.picker, self.kinds = picker, kinds
        """customer text → (the ticket's kind, its id)."""

    def for_ticket(self, customer: str, exclude_cluster: str | None = None) -> list[PastTicket]:
        chosen = self.picker.for_ticket(customer, exclude_cluster)
        kind, key = self.kinds.get(customer, ("answer", customer))
        return self.picker.contrary(chosen, customer, kind, exclude_cluster, key)

    def section(self, chosen: list[PastTicket]) -> str:
        return self.picker.section(chosen)


@dataclass
class Outcome:
    kind: str
    served: Answer
    contrary: Answer
    score: int
    """The judge's score of the reply as served."""


def answered_twice(ws: Workspace, version: str, split: str, limit: int | None) -> list[Outcome]:
    """Every answerable and escalation ticket of the split answered as served and with contrary precedents."""
    items = [i for i in split_items(ws, split, limit) if i.kind in (*ANSWERABLE, "escalation")]
    responder = eval_responder(ws, version)
    served = answer_items(responder, items, batch_size=ws.config.eval.batch_size)
    picker = responder.contexts.precedents
    if picker is None:
        raise SystemExit(f"{ws.root}: no precedents in the prompt (dataset.precedents.k is 0); nothing to probe")
    customers = [TicketIn(id=i.id, messages=[m for m in i.messages if m["role"] in ("user", "assistant")])
                 for i in items]
    kinds = {t.customer_text: (i.kind, i.id) for t, i in zip(customers, items, strict=True)}
    responder.contexts.precedents = ContraryPrecedents(picker, kinds)  # type: ignore[assignment]
    contrary = answer_items(responder, items, batch_size=ws.config.eval.batch_size)
    scores = [v.score for v in judged(eval_judge(ws), items, served)]
    return [Outcome(i.kind, *found) for i, *found in zip(items, served, contrary, scores, strict=True)]


def model_handed_over(answer: Answer) -> bool:
    """The model was asked and its reply went to a person (its marker, or a promised hand-over)."""
    return answer.decision == "escalate" and answer.logprob_mean is not None


def rate(hits: int, n: int) -> dict[str, Any]:
    low_high = wilson(hits, n)
    return {"n": n, "hits": hits, "rate": round(hits / n, 4) if n else None,
            "interval": list(low_high) if low_high else None}


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Needless hand-overs of answerable tickets and escalation recall, as served and with contrary precedents."""
    answerable = [o for o in outcomes if o.kind in ANSWERABLE]
    escalations = [o for o in outcomes if o.kind == "escalation"]
    return {
        "score_3_served": rate(sum(o.score == 3 for o in outcomes), len(outcomes)),
        "needless_handover_served": rate(sum(model_handed_over(o.served) for o in answerable), len(answerable)),
        "needless_handover_contrary": rate(sum(model_handed_over(o.contrary) for o in answerable), len(answerable)),
        "escalation_recall_served": rate(sum(o.served.decision == "escalate" for o in escalations), len(escalations)),
        "escalation_recall_contrary": rate(sum(o.contrary.decision == "escalate" for o in escalations),
                                           len(escalations)),
    }


def shown(found: dict[str, Any]) -> str:
    interval = found["interval"]
    span = f" [{interval[0] * 100:.0f}–{interval[1] * 100:.0f}]" if interval else ""
    return f"{found['hits']}/{found['n']}{span}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-w", "--workspace", type=Path, required=True)
    parser.add_argument("--models", nargs="+", required=True, help="run ids (or latest, base)")
    parser.add_argument("--split", choices=("val", "holdout"), default="val")
    parser.add_argument("--limit", type=int, default=None, help="the first N tickets of the split")
    parser.add_argument("overrides", nargs="*", help="config overrides (key=value)")
    args = parser.parse_args()
    if not (args.workspace / "data" / f"{args.split}.jsonl").is_file():
        sys.exit(f"{args.workspace}: no data/{args.split}.jsonl; run `tunedesk build` (or make demo) first")
    ws = Workspace.open(args.workspace, args.overrides)
    results: dict[str, Any] = {"workspace": str(args.workspace), "split": args.split, "limit": args.limit,
                               "overrides": args.overrides, "models": {}}
    print(f"{'model':<24} {'score 3':>14} {'needless hand-overs':>22} {'… escalated precedent':>24} "
          f"{'escalation recall':>20} {'… no escalated precedent':>26}  seconds")
    for model in args.models:
        started = time.perf_counter()
        found = summary(answered_twice(ws, model, args.split, args.limit))
        found["seconds"] = round(time.perf_counter() - started, 1)
        results["models"][model] = found
        print(f"{model:<24} {shown(found['score_3_served']):>14} {shown(found['needless_handover_served']):>22} "
              f"{shown(found['needless_handover_contrary']):>24} {shown(found['escalation_recall_served']):>20} "
              f"{shown(found['escalation_recall_contrary']):>26}  {found['seconds']:.0f}", flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    main()
