"""Does a similar past ticket decide for the model? Each version answers the same tickets three times through the
server's own path (eval's Responder: prompt, precedents, KB, decoding, guardrails, routing): with the precedents
the server shows; with precedents whose decision differs from the ticket's (a ticket to answer with the most
similar escalated past ticket among its precedents, an escalation with only answered past tickets); and with no
escalated past ticket among them (`dataset.precedents.show_escalated: false`).

A model that takes the decision from the customer's message hands over about as often in each; one that copies
the precedent's decision hands answerable tickets to a person when an escalated precedent is shown (a needless
hand-over) and answers escalations when none is. The figures are counts with 95 % Wilson intervals.

    python bench/precedent_decisions.py -w demo-workspace --models RUN [RUN ...] [--split val] [--limit N]

Writes bench/results/precedent_decisions_<split>.json. Choose `dataset.precedents.contrary_share` and
`show_escalated` on the validation split; the held-out split is for reporting.
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
RESULTS = HERE / "results"
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


CONDITIONS = ("served", "contrary", "hidden")
"""served: the precedents the server shows; contrary: ones whose decision differs from the ticket's; hidden: no
escalated past ticket among them (what `dataset.precedents.show_escalated: false` shows)."""


@dataclass
class Outcome:
    kind: str
    answers: dict[str, Answer]
    scores: dict[str, int]
    """The judge's score of the reply as served and with escalated precedents hidden."""


def answered(ws: Workspace, version: str, split: str, limit: int | None) -> list[Outcome]:
    """Every answerable and escalation ticket of the split answered under each condition."""
    items = [i for i in split_items(ws, split, limit) if i.kind in (*ANSWERABLE, "escalation")]
    responder = eval_responder(ws, version)
    picker = responder.contexts.precedents
    if picker is None:
        raise SystemExit(f"{ws.root}: no precedents in the prompt (dataset.precedents.k is 0); nothing to probe")
    customers = [TicketIn(id=i.id, messages=[m for m in i.messages if m["role"] in ("user", "assistant")])
                 for i in items]
    kinds = {t.customer_text: (i.kind, i.id) for t, i in zip(customers, items, strict=True)}
    shown = {"served": picker, "contrary": ContraryPrecedents(picker, kinds),
             "hidden": Precedents(picker.index, picker.config.model_copy(update={"show_escalated": False}),
                                  picker.sign_off)}
    answers: dict[str, list[Answer]] = {}
    for condition in CONDITIONS:
        responder.contexts.precedents = shown[condition]  # type: ignore[assignment]
        answers[condition] = answer_items(responder, items, batch_size=ws.config.eval.batch_size)
    judge = eval_judge(ws)
    scores = {c: [v.score for v in judged(judge, items, answers[c])] for c in ("served", "hidden")}
    return [Outcome(item.kind, {c: answers[c][n] for c in CONDITIONS}, {c: scores[c][n] for c in scores})
            for n, item in enumerate(items)]


def model_handed_over(answer: Answer) -> bool:
    """The model was asked and its reply went to a person (its marker, or a promised hand-over)."""
    return answer.decision == "escalate" and answer.logprob_mean is not None


def rate(hits: int, n: int) -> dict[str, Any]:
    low_high = wilson(hits, n)
    return {"n": n, "hits": hits, "rate": round(hits / n, 4) if n else None,
            "interval": list(low_high) if low_high else None}


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Score 3, needless hand-overs of answerable tickets and escalation recall under each condition."""
    answerable = [o for o in outcomes if o.kind in ANSWERABLE]
    escalations = [o for o in outcomes if o.kind == "escalation"]
    found: dict[str, Any] = {}
    for c in CONDITIONS:
        if c in outcomes[0].scores:
            found[f"score_3_{c}"] = rate(sum(o.scores[c] == 3 for o in outcomes), len(outcomes))
        found[f"needless_handover_{c}"] = rate(sum(model_handed_over(o.answers[c]) for o in answerable),
                                               len(answerable))
        found[f"escalation_recall_{c}"] = rate(sum(o.answers[c].decision == "escalate" for o in escalations),
                                               len(escalations))
    return found


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
    columns = [(f"{measure}_{c}", f"{label} ({c})") for measure, label in
               (("score_3", "score 3"), ("needless_handover", "needless hand-overs"),
                ("escalation_recall", "escalation recall")) for c in CONDITIONS
               if not (measure == "score_3" and c == "contrary")]
    for model in args.models:
        started = time.perf_counter()
        found = summary(answered(ws, model, args.split, args.limit))
        found["seconds"] = round(time.perf_counter() - started, 1)
        results["models"][model] = found
        print(f"{model} ({found['seconds']:.0f} s)")
        for key, label in columns:
            print(f"  {label:<34} {shown(found[key]):>16}", flush=True)
    out = RESULTS / f"precedent_decisions_{args.split}.json"
    RESULTS.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
