"""Ingest + clean throughput on a generated Zendesk export, in one process, with peak memory.

The same run also measures the storage floor: ingest followed by a pass-through clean that reads, validates and
writes back every ticket with no text work at all (no stripping, labelling, redaction, quality or dedup). That is
the most this store and record design can give in one process, whatever the text steps cost.

Side by side in the same run: tunedesk's deduplicator against the library baseline it replaced (datasketch
MinHash + MinHashLSH, the way its documentation shows it) on the same cleaned conversations: speed and agreement.

    python bench/clean_throughput.py                 # 100,000 tickets (the export is generated once and cached)
    python bench/clean_throughput.py --tickets 20000
    python bench/clean_throughput.py --gc default    # with CPython's default garbage collection, for comparison

Prints a table and writes bench/results/clean_throughput.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import resource
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tunedesk.clean import stage
from tunedesk.clean.dedup import Deduplicator
from tunedesk.clean.minhash import normalise
from tunedesk.example import write_zendesk_export
from tunedesk.ingest import stage as ingest
from tunedesk.scaffold import init_workspace
from tunedesk.workspace import Workspace

HERE = Path(__file__).resolve().parent
TARGET = 5000.0


def prepare(workdir: Path, tickets: int, seed: int, console: Console) -> Workspace:
    """A fresh example workspace whose only export is a generated one of `tickets` tickets (cached)."""
    export = workdir / f"zendesk_{tickets}_{seed}.jsonl"
    if not export.exists():
        console.print(f"generating a {tickets:,}-ticket export (once) …")
        write_zendesk_export(export, tickets, seed=seed)
    root = workdir / "workspace"
    shutil.rmtree(root, ignore_errors=True)
    init_workspace(root, example=True)
    # The generated export carries its people in each ticket (requester, via.source.from); the example's users
    # file belongs to the 1,500-ticket corpus and its ids would collide, so both example files go.
    for name in ("zendesk_tickets.jsonl", "zendesk_users.json"):
        (root / "exports" / name).unlink()
    shutil.copy(export, root / "exports" / export.name)
    return Workspace.open(root)


def run_pipeline(ws: Workspace) -> dict[str, float]:
    """Ingest then clean, timed separately."""
    t0 = time.perf_counter()
    ingested = ingest.run(ws)
    t1 = time.perf_counter()
    cleaned = stage.run(ws)
    t2 = time.perf_counter()
    n = cleaned.tickets_in
    return {
        "tickets": n, "records_in": ingested.records_in, "kept": cleaned.kept, "quarantined": ingested.quarantined,
        "ingest_s": t1 - t0, "clean_s": t2 - t1, "total_s": t2 - t0,
        "ingest_tickets_per_s": n / (t1 - t0), "clean_tickets_per_s": n / (t2 - t1), "tickets_per_s": n / (t2 - t0),
    }


def storage_floor(ws: Workspace, ingest_s: float) -> dict[str, float]:
    """Ingest (as timed in the run) plus a clean that only reads, validates and writes each ticket back.

    It uses the store calls the clean stage uses (`iter_tickets_hashed`, `replace_clean_results`), under the
    same GC setting, so the difference to the real clean is the text work. It replaces the clean results,
    so it runs after everything that reads them.
    """
    def rows() -> Iterator[dict[str, Any]]:
        for ticket, content_hash in ws.store.iter_tickets_hashed():
            yield {"id": ticket.id, "category": ticket.category, "outcome": "kept", "reason": None,
                   "detail": None, "escalation": ticket.escalation, "quality": None,
                   "source_hash": content_hash, "data": ticket.model_dump_json()}

    t0 = time.perf_counter()
    with stage.fewer_collections():
        written = ws.store.replace_clean_results(rows())
    clean_s = time.perf_counter() - t0
    return {"passthrough_clean_s": clean_s, "passthrough_clean_tickets_per_s": written / clean_s,
            "tickets_per_s": written / (ingest_s + clean_s),
            "ratio_vs_target": written / (ingest_s + clean_s) / TARGET}


def dedup_side_by_side(ws: Workspace, limit: int) -> dict[str, float]:
    """Our deduplicator vs datasketch MinHashLSH on the same cleaned texts (exact-duplicate pass off in both)."""
    from datasketch import MinHash, MinHashLSH

    texts = [(t.id, "\n".join(m.body for m in t.messages)) for t, _ in ws.store.iter_clean(outcome=None)][:limit]
    cfg = ws.config.clean.dedup.model_copy(update={"exact": False})
    ours = Deduplicator(cfg)
    t0 = time.perf_counter()
    our_dups = set()
    for i in range(0, len(texts), 500):
        batch = texts[i : i + 500]
        our_dups |= {k for (k, _), hit in zip(batch, ours.check_batch(batch), strict=True) if hit}
    ours_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm)
    shingle_sets: dict[str, set[bytes]] = {}
    base_hits: dict[str, list[str]] = {}
    for key, text in texts:
        words = normalise(text).split()
        shingles = {" ".join(words[j : j + cfg.shingle]).encode() for j in range(max(1, len(words) - cfg.shingle + 1))}
        m = MinHash(num_perm=cfg.num_perm)
        m.update_batch(list(shingles))
        found = lsh.query(m)
        if found:
            base_hits[key] = found
        else:
            lsh.insert(key, m)
        shingle_sets[key] = shingles
    base_s = time.perf_counter() - t0
    # datasketch's LSH answers unverified candidates: check each hit with the exact Jaccard of word shingles.
    verified = {k for k, found in base_hits.items() if max(_jaccard(shingle_sets[k], shingle_sets[f]) for f in found)
                >= cfg.threshold}
    union = our_dups | verified
    return {
        "texts": len(texts), "ours_per_s": len(texts) / ours_s, "datasketch_per_s": len(texts) / base_s,
        "ratio_vs_datasketch": base_s / ours_s, "ours_duplicates": len(our_dups),
        "datasketch_duplicates": len(base_hits), "datasketch_true_duplicates": len(verified),
        "datasketch_precision": len(verified) / len(base_hits) if base_hits else 1.0,
        "agreement_with_verified": len(our_dups & verified) / len(union) if union else 1.0,
    }


def redaction_costs(ws: Workspace, limit: int) -> dict[str, Any]:
    """What each redaction detector costs, in microseconds a ticket and as tickets/s if it ran alone, on the stored
    tickets (the text redact_ticket reads: every field joined). The shared work (the text's sketch, its lower-cased
    copy and word set, which the cue-driven detectors look their words up in) is timed once as its own row, and so
    is phonenumbers' PhoneNumberMatcher over the same texts, the library alternative to the phone detector."""
    from tunedesk.pii import names, patterns
    from tunedesk.pii.classes import char_classes, lowered, word_set
    from tunedesk.pii.fields import ticket_texts
    from tunedesk.pii.redact import Redactor

    tickets = [t for t, _ in ws.store.iter_tickets_hashed()][:limit]
    texts = [patterns.FIELD_BREAK.join(ticket_texts(t)) for t in tickets]
    started = time.process_time()
    names.listed_names()  # the given-name and surname lists, loaded once per process
    costs: dict[str, float] = {"load name lists (once, s)": time.process_time() - started}
    redactor = Redactor(ws.redaction_rules(), allowlist=[ws.policies().brand])
    started = time.process_time()
    for ticket in tickets:
        redactor.redact_ticket(ticket)
    whole = time.process_time() - started
    spent: defaultdict[str, float] = defaultdict(float)
    clock = time.process_time
    for text in texts:
        t0 = clock()
        sketch, _, _ = char_classes(text), lowered(text), word_set(text)
        spent["shared: sketch, lower case, word set"] += clock() - t0
        t0 = clock()
        patterns.scan_numbers(text, (), sketch)
        spent["card/phone/iban/address: digit groups"] += clock() - t0
        for d in redactor.detectors:
            label = f"{d.kind}: {getattr(d.find, 'func', d.find).__name__}"
            t0 = clock()
            d.find(text, sketch) if d.sketched else d.find(text)
            spent[label] += clock() - t0
    spent["(alternative) phonenumbers.PhoneNumberMatcher"] = _phonenumbers_cost(texts)
    rows = {k: {"us_per_ticket": v / len(texts) * 1e6, "tickets_per_s_alone": len(texts) / v if v else None}
            for k, v in spent.items() if v >= 0}
    return {"tickets": len(texts), "redact_ticket_tickets_per_s": len(tickets) / whole, **costs, "detectors": rows}


def _phonenumbers_cost(texts: list[str]) -> float:
    try:
        import phonenumbers
    except ImportError:
        return -1.0  # not installed: left out of the table
    started = time.process_time()
    for text in texts:
        list(phonenumbers.PhoneNumberMatcher(text, "US"))
    return time.process_time() - started


def _jaccard(a: set[bytes], b: set[bytes]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


@contextlib.contextmanager
def default_collections(threshold: int = 0) -> Iterator[None]:
    """A stand-in for tunedesk.gc_tuning.fewer_collections that leaves CPython's collector as it is."""
    yield


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "clean")
    parser.add_argument("--dedup-sample", type=int, default=20_000)
    parser.add_argument("--redaction-sample", type=int, default=20_000, help="tickets the per-detector costs use")
    parser.add_argument("--redaction-only", action="store_true", help="only the per-detector redaction costs "
                        "(ingest, no clean), written to bench/results/redaction_costs.json")
    parser.add_argument("--gc", choices=["tuned", "default"], default="tuned",
                        help="tuned: the stages' own setting (tunedesk.gc_tuning); default: CPython's, for comparison")
    args = parser.parse_args()
    if args.gc == "default":
        ingest.fewer_collections = stage.fewer_collections = default_collections
    console = Console()
    args.workdir.mkdir(parents=True, exist_ok=True)
    ws = prepare(args.workdir, args.tickets, args.seed, console)
    if args.redaction_only:
        ingest.run(ws)
        return write_redaction_costs(console, redaction_costs(ws, args.redaction_sample))
    console.print(f"ingest + clean of {args.tickets:,} tickets in one process …")
    timed = run_pipeline(ws)
    result: dict[str, object] = {**timed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                 "gc": args.gc, "target_tickets_per_s": TARGET,
                                 "ratio_vs_target": timed["tickets_per_s"] / TARGET}
    console.print("dedup side by side with datasketch …")
    result["dedup"] = dedup_side_by_side(ws, args.dedup_sample)
    console.print("redaction cost per detector …")
    redaction = redaction_costs(ws, args.redaction_sample)
    result["redaction"] = redaction
    print_redaction(console, redaction)
    console.print("storage floor: ingest + a pass-through clean with no text work …")
    result["floor"] = storage_floor(ws, timed["ingest_s"])
    result["machine"] = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": _cpus()}
    print_table(console, result)
    out = HERE / "results" / "clean_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"wrote {out}")
    return 0


def print_table(console: Console, r: dict) -> None:
    """The figures a person compares."""
    table = Table(title=f"ingest + clean, {r['tickets']:,} tickets, one process")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, key, fmt in [("ingest tickets/s", "ingest_tickets_per_s", "{:,.0f}"),
                            ("clean tickets/s", "clean_tickets_per_s", "{:,.0f}"),
                            ("ingest + clean tickets/s", "tickets_per_s", "{:,.0f}"),
                            ("target tickets/s", "target_tickets_per_s", "{:,.0f}"),
                            ("ratio vs target", "ratio_vs_target", "{:.2f}"),
                            ("peak RSS MB", "peak_rss_mb", "{:,.0f}"),
                            ("kept", "kept", "{:,}")]:
        table.add_row(label, fmt.format(r[key]))
    f = r["floor"]
    table.add_row("floor: pass-through clean tickets/s", f"{f['passthrough_clean_tickets_per_s']:,.0f}")
    table.add_row("floor: ingest + pass-through clean tickets/s", f"{f['tickets_per_s']:,.0f}")
    table.add_row("floor: ratio vs target", f"{f['ratio_vs_target']:.2f}")
    d = r["dedup"]
    table.add_row("dedup: tunedesk texts/s", f"{d['ours_per_s']:,.0f}")
    table.add_row("dedup: datasketch texts/s", f"{d['datasketch_per_s']:,.0f}")
    table.add_row("dedup: ratio vs datasketch", f"{d['ratio_vs_datasketch']:.2f}")
    table.add_row("dedup: duplicates, ours (exact-verified)", f"{d['ours_duplicates']:,}")
    table.add_row("dedup: duplicates, datasketch LSH (true / all)",
                  f"{d['datasketch_true_duplicates']:,} / {d['datasketch_duplicates']:,}")
    table.add_row("dedup: agreement with datasketch's true ones", f"{d['agreement_with_verified']:.3f}")
    console.print(table)


def write_redaction_costs(console: Console, costs: dict[str, Any]) -> int:
    """Print the per-detector table and write bench/results/redaction_costs.json."""
    print_redaction(console, costs)
    out = HERE / "results" / "redaction_costs.json"
    out.write_text(json.dumps({**costs, "machine": {"python": sys.version.split()[0], "cpus": _cpus()}}, indent=2)
                   + "\n")
    console.print(f"wrote {out}")
    return 0


def print_redaction(console: Console, costs: dict[str, Any]) -> None:
    """Microseconds a ticket and tickets/s alone, per detector (CPU time of this process)."""
    table = Table(title=f"redaction cost per detector, {costs['tickets']:,} stored tickets (CPU time)")
    for column in ("detector", "µs / ticket", "tickets/s alone"):
        table.add_column(column, justify="left" if column == "detector" else "right")
    for label, row in costs["detectors"].items():
        alone = row["tickets_per_s_alone"]
        table.add_row(label, f"{row['us_per_ticket']:,.1f}", f"{alone:,.0f}" if alone else "-")
    table.add_row("redact_ticket, all detectors", "", f"{costs['redact_ticket_tickets_per_s']:,.0f}")
    console.print(table)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    raise SystemExit(main())
