"""The guardrails on written probes: injection, off-topic and support messages, and the furious-customer gate.

1. Builds the embedded example workspace (`init --example`, ingest, clean, build) unless --workspace is given, and
   its guardrails as the server does (the packaged MiniLM; `--embedder bow` for a hashed bag of words).
2. Off topic: fits serve.guardrails.off_topic_intent_share and off_topic_share on the dev probes
   (tests/fixtures/probes/guardrail_probes.jsonl, split dev), then routes the probe split — written before any
   result was seen — with the configured defaults: human (a guard escalates), refuse, answer (no guard stops it).
   Only the guards before generation run: the answer path needs no model.
3. Sentiment: fits the furious gate (sentiment threshold with a sign of anger, calm threshold without) on the dev
   half of tests/fixtures/probes/sentiment_labels.jsonl and reports precision and recall of `furious_customer` on
   the other half, for the old gate (VADER < -0.6) and the configured one.
Prints the tables and writes bench/results/guardrail_probes.json.

    python bench/guardrail_probes.py                       # MiniLM, a fresh 1500-ticket example workspace
    python bench/guardrail_probes.py --embedder bow --tickets 300
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROBES = HERE.parent / "tests" / "fixtures" / "probes"
LABELS = ("human", "refuse", "answer")
_WORDS = re.compile(r"[a-z]+")


def read_rows(name: str) -> list[dict[str, str]]:
    """The rows of a probe file."""
    return [json.loads(line) for line in (PROBES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def example_workspace(root: Path, tickets: int) -> Path:
    """init --example, ingest, clean and build in `root`."""
    from tunedesk.build import stage as build
    from tunedesk.clean import stage as clean
    from tunedesk.ingest import stage as ingest
    from tunedesk.scaffold import init_workspace
    from tunedesk.workspace import Workspace

    init_workspace(root, example=True, example_tickets=tickets)
    ws = Workspace.open(root)
    ingest.run(ws)
    clean.run(ws)
    build.run(ws)
    ws.store.close()
    return root


def route(rails: Any, text: str) -> str:
    """human, refuse or answer: what the guards before generation make of a one-message ticket."""
    from tunedesk.records import TicketIn

    actions = {v.action for v in rails.before(TicketIn(id="probe", messages=[{"role": "user", "content": text}]))}
    return "human" if "escalate" in actions else "refuse" if "refuse" in actions else "answer"


def routing_report(rails: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The share routed as labelled per label, the confusion table (label → routed → count) and the misses."""
    confusion = {label: dict.fromkeys(LABELS, 0) for label in LABELS}
    misses = []
    for row in rows:
        routed = route(rails, row["text"])
        confusion[row["label"]][routed] += 1
        if routed != row["label"]:
            misses.append({"label": row["label"], "routed": routed, "kind": row["kind"], "text": row["text"]})
    share = {label: round(confusion[label][label] / max(1, sum(confusion[label].values())), 3) for label in LABELS}
    right = sum(confusion[label][label] for label in LABELS)
    return {"n": len(rows), "as_expected": round(right / max(1, len(rows)), 3), "share_as_expected": share,
            "confusion": confusion, "misrouted": misses}


def fit_off_topic(rails: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The (intent share, plain share) pair that routes most refuse/answer dev probes as labelled (ties: the
    lower shares, which refuse less)."""
    config = rails.kit.config
    saved = (config.off_topic_intent_share, config.off_topic_share)
    grid = [round(0.05 * i, 2) for i in range(21)]
    rows = [r for r in rows if r["label"] in ("refuse", "answer")]
    best: tuple[int, float, float] | None = None
    for intent_share in grid:
        for plain_share in grid:
            config.off_topic_intent_share, config.off_topic_share = intent_share, plain_share
            right = sum(route(rails, r["text"]) == r["label"] for r in rows)
            if best is None or right > best[0]:
                best = (right, intent_share, plain_share)
    config.off_topic_intent_share, config.off_topic_share = saved
    assert best is not None
    return {"n": len(rows), "right": best[0], "off_topic_intent_share": best[1], "off_topic_share": best[2]}


def furious_scores(rows: list[dict[str, str]]) -> list[tuple[bool, float, str]]:
    """(labelled furious, VADER compound, text) per row."""
    from tunedesk.text.vader_bound import compound

    return [(r["label"] == "furious", compound(r["text"]), r["text"]) for r in rows]


def precision_recall(scored: list[tuple[bool, float, str]], gate: Callable[[float, str], bool]) -> dict[str, Any]:
    """Precision and recall of `furious_customer` under a gate."""
    flagged = [(truth, gate(score, text)) for truth, score, text in scored]
    tp = sum(t and f for t, f in flagged)
    fp = sum(f and not t for t, f in flagged)
    fn = sum(t and not f for t, f in flagged)
    return {"n": len(scored), "furious": tp + fn, "flagged": tp + fp, "precision": round(tp / max(1, tp + fp), 3),
            "recall": round(tp / max(1, tp + fn), 3),
            "wrongly_flagged": [text for (t, f), (_, _, text) in zip(flagged, scored, strict=True) if f and not t]}


def fit_furious(scored: list[tuple[bool, float, str]]) -> dict[str, Any]:
    """The (threshold, calm threshold) with the best F1 of `furious_customer` on the dev rows (ties: the higher
    precision, then the lower thresholds)."""
    from tunedesk.text.anger import furious

    best: tuple[float, float, float, float] | None = None
    for t in [round(-0.05 * i, 2) for i in range(1, 20)]:
        for calm in [round(-0.05 * i, 2) for i in range(int(-t / 0.05), 21)]:
            def gate(score: float, text: str, t: float = t, c: float = calm) -> bool:
                return furious(score, text, t, c)

            found = precision_recall(scored, gate)
            p, r = found["precision"], found["recall"]
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            if best is None or (f1, p) > (best[0], best[1]):
                best = (f1, p, t, calm)
    assert best is not None
    return {"f1": round(best[0], 3), "sentiment_threshold": best[2], "sentiment_calm_threshold": best[3]}


def sentiment_report(config: Any) -> dict[str, Any]:
    """The furious gate fitted on the dev half, and precision/recall on the test half: old gate vs configured."""
    from tunedesk.text.anger import furious

    rows = read_rows("sentiment_labels.jsonl")
    dev = furious_scores([r for r in rows if r["split"] == "dev"])
    test = furious_scores([r for r in rows if r["split"] == "test"])
    threshold, calm = config.sentiment_threshold, config.sentiment_calm_threshold
    return {"fit_on_dev": fit_furious(dev), "configured": {"sentiment_threshold": threshold,
                                                           "sentiment_calm_threshold": calm},
            "dev": {"vader_below_-0.6": precision_recall(dev, lambda s, _: s < -0.6),
                    "configured": precision_recall(dev, lambda s, x: furious(s, x, threshold, calm))},
            "test": {"vader_below_-0.6": precision_recall(test, lambda s, _: s < -0.6),
                     "configured": precision_recall(test, lambda s, x: furious(s, x, threshold, calm))}}


def guardrails(root: Path, embedder: str) -> Any:
    """The workspace's guardrails as the server builds them, with the embedder serve.embedder names."""
    from tunedesk.answer.corpus import customer_messages
    from tunedesk.answer.guardrails import Guardrails
    from tunedesk.answer.setup import choose_embedder
    from tunedesk.workspace import Workspace

    ws = Workspace.open(root, [f"serve.embedder={embedder}"])
    corpus = [m.text for m in customer_messages(ws.output_dir("data") / "train.jsonl")]
    # Cached as the server caches it: the fit routes each dev message once per threshold pair.
    return Guardrails.from_workspace(ws, embedder=choose_embedder(ws, corpus))


def main() -> None:
    """Run both benchmarks, print the tables and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, help="a built workspace (default: a fresh example one)")
    parser.add_argument("--tickets", type=int, default=1500)
    parser.add_argument("--embedder", choices=("minilm", "static"), default="minilm")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "guardrail_probes.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workspace or example_workspace(Path(tmp) / "ws", args.tickets)
        rails = guardrails(root, args.embedder)
        rows = read_rows("guardrail_probes.jsonl")
        result = {"workspace": "given" if args.workspace else f"example, {args.tickets} tickets",
                  "embedder": args.embedder, "routing": "the guards before generation (no model asked)",
                  "off_topic_fit_on_dev": fit_off_topic(rails, [r for r in rows if r["split"] == "dev"]),
                  "configured": {"off_topic_intent_share": rails.kit.config.off_topic_intent_share,
                                 "off_topic_share": rails.kit.config.off_topic_share},
                  "dev": routing_report(rails, [r for r in rows if r["split"] == "dev"]),
                  "probe": routing_report(rails, [r for r in rows if r["split"] == "probe"]),
                  "sentiment": sentiment_report(rails.kit.config)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    show(result)
    print(f"wrote {args.out}")


def show(result: dict[str, Any]) -> None:
    """The tables a person reads."""
    for split in ("dev", "probe"):
        found = result[split]
        print(f"{split}: {found['n']} messages, {found['as_expected']:.0%} routed as labelled; by label "
              + ", ".join(f"{k} {v:.0%}" for k, v in found["share_as_expected"].items()))
        print("  label \\ routed " + " ".join(f"{x:>7}" for x in LABELS))
        for label in LABELS:
            print(f"  {label:14} " + " ".join(f"{found['confusion'][label][x]:7d}" for x in LABELS))
        for miss in found["misrouted"]:
            print(f"    {miss['label']} -> {miss['routed']}: {miss['text'][:90]}")
    print("off-topic fit on dev:", result["off_topic_fit_on_dev"], "configured:", result["configured"])
    sentiment = result["sentiment"]
    print("furious fit on dev:", sentiment["fit_on_dev"], "configured:", sentiment["configured"])
    for split in ("dev", "test"):
        for gate, found in sentiment[split].items():
            print(f"  {split} {gate:18} precision {found['precision']:.2f} recall {found['recall']:.2f} "
                  f"({found['flagged']} flagged, {found['furious']} furious of {found['n']})")
    print(Counter(m["kind"] for m in result["probe"]["misrouted"]))


if __name__ == "__main__":
    main()
