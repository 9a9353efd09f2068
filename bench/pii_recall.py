"""PII recall as a measured property: the redaction clean runs, over planted personal values and benign look-alikes.

Two sets (see tunedesk.pii.planted): `dev`, the templates, names and places looked at while improving redaction,
and `test`, other templates, names, streets and cities drawn with another seed, only scored. The redactor is the
one clean builds: the default redaction.yaml, with the brand's name and contacts on the allowlist.

    python bench/pii_recall.py                    # 400 tickets per set
    python bench/pii_recall.py --tickets 1000 --show-missed

Prints recall per kind and the share of look-alikes masked, and writes bench/results/pii_recall.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tunedesk.pii.planted import STRUCTURED, planted_set, score
from tunedesk.pii.planted_lists import BRAND
from tunedesk.pii.redact import RedactionRules, Redactor

HERE = Path(__file__).resolve().parent
TARGETS = {"structured": 0.99, "names_addresses": 0.95, "benign_masked": 0.02}


def brand_redactor() -> Redactor:
    """The redactor clean uses for a workspace whose redaction.yaml allowlists the brand's contacts."""
    rules = RedactionRules(allowlist=list(BRAND["contacts"]))
    return Redactor(rules, allowlist=[BRAND["name"]])


def run_set(which: str, tickets: int, seed: int, redactor: Redactor) -> dict[str, Any]:
    """Score one set, with its redaction speed."""
    planted = planted_set(which, tickets, seed)
    started = time.perf_counter()
    result = score(planted, lambda t: redactor.redact_ticket(t)[0])
    elapsed = time.perf_counter() - started
    return {"set": which, "seed": seed, "tickets": tickets, **result, "tickets_per_s": tickets / elapsed}


def print_table(console: Console, results: list[dict[str, Any]]) -> None:
    """Recall per kind and look-alikes masked per kind, one column per set."""
    table = Table(title="planted PII: recall per kind (benign: share masked)")
    table.add_column("kind")
    for r in results:
        table.add_column(f"{r['set']} (n)", justify="right")
    kinds = list(dict.fromkeys(k for r in results for k in r["recall"]))
    for kind in kinds:
        table.add_row(kind + (" *" if kind in STRUCTURED else ""), *[
            f"{r['recall'][kind]['recall']:.1%} ({r['recall'][kind]['planted']})" if kind in r["recall"] else "-"
            for r in results])
    for kind in dict.fromkeys(k for r in results for k in r["over_redaction"]):
        table.add_row(f"benign {kind}", *[
            f"{r['over_redaction'][kind]['share']:.1%} ({r['over_redaction'][kind]['planted']})"
            if kind in r["over_redaction"] else "-" for r in results])
    table.add_row("structured (*) recall", *[f"{r['structured_recall']:.1%}" for r in results])
    table.add_row("names + addresses recall", *[f"{r['names_addresses_recall']:.1%}" for r in results])
    table.add_row("benign masked", *[f"{r['benign_masked_share']:.1%}" for r in results])
    table.add_row("tickets/s", *[f"{r['tickets_per_s']:,.0f}" for r in results])
    console.print(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--dev-seed", type=int, default=1)
    parser.add_argument("--test-seed", type=int, default=2)
    parser.add_argument("--sets", nargs="+", default=["dev", "test"], choices=["dev", "test"])
    parser.add_argument("--show-missed", action="store_true", help="print the values each kind missed")
    args = parser.parse_args()
    console = Console()
    redactor = brand_redactor()
    seeds = {"dev": args.dev_seed, "test": args.test_seed}
    results = [run_set(which, args.tickets, seeds[which], redactor) for which in args.sets]
    print_table(console, results)
    if args.show_missed:
        for r in results:
            for kind, values in r["missed"].items():
                console.print(f"[bold]{r['set']} {kind}[/]: " + " | ".join(map(repr, values)))
    out = HERE / "results" / "pii_recall.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"targets": TARGETS, "sets": results}, indent=2, ensure_ascii=False) + "\n")
    console.print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
