"""Serving latency on loopback with the embedded default (SmolLM2-135M, transformers backend, CPU).

One run, side by side:
  1. the server: POST /v1/replies streamed — time to first token and total latency (p50/p95), the guardrails'
     own time per reply (before + KB context + after, from the server's per-reply timings);
  2. the baseline: the same backend called directly on the same prompts (no HTTP, no guardrails) — the
     difference of the medians is the whole serving overhead (HTTP, guardrails, logging);
  3. a bounded concurrent load: 200 requests, 8 at a time — errors, and every request found in the log.
Writes bench/results/serve_latency.json with `overhead_p95_ms`, `errors`, `requests`, `logged`.

    python bench/serve_latency.py                  # prepares bench/.work/train/workspace when missing
    python bench/serve_latency.py --items 20 --load 200 --concurrency 8
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from train_throughput import prepare  # noqa: E402


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] if ordered else float("nan")


def streamed(url: str, ticket_id: str, text: str) -> dict[str, Any]:
    """One streamed /v1/replies: time to first delta, total, and the decision."""
    import httpx

    started, first = time.perf_counter(), None
    decision: dict[str, Any] = {}
    payload = {"ticket_id": ticket_id, "messages": [{"role": "customer", "content": text}], "stream": True}
    with httpx.stream("POST", f"{url}/v1/replies", json=payload, timeout=300) as response:
        lines = response.iter_lines()
        for line in lines:
            if line.startswith("data: {") and '"delta"' in line and first is None:
                first = time.perf_counter()
            elif line == "event: decision":
                decision = json.loads(next(lines)[6:])
    total = time.perf_counter() - started
    return {"ttft_ms": ((first or time.perf_counter()) - started) * 1000, "total_ms": total * 1000,
            "decision": decision.get("decision"), "overhead_ms": decision.get("overhead_ms", 0.0)}


def direct(responder: Any, ticket: Any) -> float:
    """The backend alone on the prompt the server would send (context built outside the timing)."""
    prepared = responder.prepare(ticket)
    request = prepared.request
    if request is None:
        return float("nan")
    started = time.perf_counter()
    responder.backend.generate(request)
    return (time.perf_counter() - started) * 1000


def load(url: str, texts: list[str], requests: int, concurrency: int) -> tuple[list[str], int]:
    import httpx

    ids = [f"load-{time.time_ns()}-{i}" for i in range(requests)]

    def one(i: int) -> int:
        body = {"ticket_id": ids[i], "messages": [{"role": "customer", "content": texts[i % len(texts)]}]}
        try:
            return httpx.post(f"{url}/v1/replies", json=body, timeout=600).status_code
        except httpx.HTTPError:
            return -1

    with ThreadPoolExecutor(concurrency) as pool:
        codes = list(pool.map(one, range(requests)))
    return ids, sum(code != 200 for code in codes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--load", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--load-max-new-tokens", type=int, default=16)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "train")
    args = parser.parse_args()
    from rich.console import Console
    from sqlalchemy import select

    from tunedesk.answer.setup import build_responder
    from tunedesk.serve.app import ServerSettings, create_app
    from tunedesk.serve.background import serving
    from tunedesk.store import tables
    from tunedesk.workspace import Workspace

    console = Console()
    root = prepare(args.workdir.resolve())
    ws = Workspace.open(root, ["serve.rollout_percent=100", "serve.mode=approve",
                               f"serve.backend.max_new_tokens={args.max_new_tokens}", "serve.backend.temperature=0",
                               f"serve.max_concurrency={args.concurrency}", "serve.max_queue=512"])
    rows = [json.loads(x) for x in (root / "data" / "holdout.jsonl").read_text().splitlines()]
    texts = [r["messages"][-2]["content"] for r in rows if r.get("kind") == "answer"][: args.items]
    with console.status("loading the model, the guardrails and the KB index ..."):
        responder = build_responder(ws, version="base")
    with serving(create_app(ServerSettings(ws.config.serve, responder))) as url:
        served, baseline, ids, errors, load_s = _measure(console, args, responder, url, texts)
    with ws.store.engine.connect() as conn:
        logged = conn.execute(select(tables.served_replies.c.ticket_id)
                              .where(tables.served_replies.c.ticket_id.in_(ids))).all()
    report = _report(served, baseline, [s["overhead_ms"] for s in served], args, errors,
                     len({r[0] for r in logged}), load_s)
    _table(console, report)
    path = HERE / "results" / "serve_latency.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {path}")
    return 0


def _measure(console: Any, args: Any, responder: Any, url: str, texts: list[str]) -> tuple[Any, ...]:
    """The latency phase (the server and the backend alone, side by side), then the bounded concurrent load."""
    from tunedesk.records import TicketIn

    console.print(f"serving base SmolLM2-135M on {url}; {len(texts)} held-out questions, ≤ {args.max_new_tokens} "
                  "new tokens, greedy")
    streamed(url, "warm-up", texts[0])
    served, baseline = [], []
    for i, text in enumerate(texts):
        served.append(streamed(url, f"lat-{i}", text))
        baseline.append(direct(responder, TicketIn(id=f"lat-{i}", messages=[{"role": "user", "content": text}])))
        console.print(f"  {i + 1}/{len(texts)}  server {served[-1]['total_ms']:.0f} ms (first token "
                      f"{served[-1]['ttft_ms']:.0f} ms) · backend alone {baseline[-1]:.0f} ms", highlight=False)
    responder.settings.backend.max_new_tokens = args.load_max_new_tokens
    console.print(f"load: {args.load} requests, {args.concurrency} at a time, ≤ {args.load_max_new_tokens} tokens")
    started = time.perf_counter()
    ids, errors = load(url, texts, args.load, args.concurrency)
    return served, baseline, ids, errors, time.perf_counter() - started


def _report(served: list[dict[str, Any]], baseline: list[float], overhead: list[float], args: Any, errors: int,
            logged: int, load_s: float) -> dict[str, Any]:
    ttft = [s["ttft_ms"] for s in served]
    total = [s["total_ms"] for s in served]
    return {
        "items": len(served), "max_new_tokens": args.max_new_tokens,
        "server": {"ttft_p50_ms": pct(ttft, 50), "ttft_p95_ms": pct(ttft, 95), "total_p50_ms": pct(total, 50),
                   "total_p95_ms": pct(total, 95)},
        "backend_direct": {"total_p50_ms": pct(baseline, 50), "total_p95_ms": pct(baseline, 95)},
        "overhead_p50_ms": pct(overhead, 50), "overhead_p95_ms": pct(overhead, 95),
        "serving_overhead_median_ms": statistics.median(total) - statistics.median(baseline),
        "ratio_server_to_backend_p50": pct(total, 50) / pct(baseline, 50),
        "decisions": {d: sum(s["decision"] == d for s in served) for d in {s["decision"] for s in served}},
        "requests": args.load, "concurrency": args.concurrency, "errors": errors, "logged": logged,
        "load_seconds": round(load_s, 1), "load_requests_per_s": round(args.load / load_s, 2),
    }


def _table(console: Any, r: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"/v1/replies on loopback, SmolLM2-135M on CPU, {r['items']} tickets, ≤ "
                        f"{r['max_new_tokens']} new tokens")
    for col in ("path", "first token p50", "first token p95", "total p50", "total p95"):
        table.add_column(col, justify="left" if col == "path" else "right")
    s, b = r["server"], r["backend_direct"]
    table.add_row("server (guardrails, KB, log, HTTP)", f"{s['ttft_p50_ms']:.0f} ms", f"{s['ttft_p95_ms']:.0f} ms",
                  f"{s['total_p50_ms']:.0f} ms", f"{s['total_p95_ms']:.0f} ms")
    table.add_row("backend called directly", "–", "–", f"{b['total_p50_ms']:.0f} ms", f"{b['total_p95_ms']:.0f} ms")
    console.print(table)
    console.print(f"guardrails + context overhead per reply: p50 {r['overhead_p50_ms']:.1f} ms, p95 "
                  f"{r['overhead_p95_ms']:.1f} ms (target < 15) · median end-to-end difference "
                  f"{r['serving_overhead_median_ms']:.0f} ms · ratio {r['ratio_server_to_backend_p50']:.2f}")
    console.print(f"load: {r['requests']} requests, {r['concurrency']} at a time: {r['errors']} errors, "
                  f"{r['logged']} logged, {r['load_requests_per_s']} requests/s · decisions {r['decisions']}")


if __name__ == "__main__":
    raise SystemExit(main())
