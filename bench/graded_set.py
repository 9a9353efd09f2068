"""The graded set: replies of several models to held-out and validation tickets, each graded 3/2/1 by a person
against the rubric with a reason, how far the configured judge agrees with the person, and how far two people agree.

Two parts, each judged with its own workspace (its policies and KB are what the judge checks against):
- bench/graded/example_replies.jsonl: the example corpus (`make demo`'s workspace), whole rows, in sets: `dev`
  (read while the judge's rules were written), `validation` (graded blind, then read) and `blind-val` (replies to
  the validation split, graded blind by a second grader who saw neither the judge's score nor the model);
- bench/graded/second_grades.jsonl: the second grader's blind grades of 80 rows of the dev and validation sets;
- bench/graded/bitext_replies.jsonl: Bitext (bench/real_data.py's workspace), replies to its validation tickets
  graded blind, in sets of 20 tickets × (run, base, retrieval): `blind-val` (tickets 1–20), `blind-val-2` (21–40,
  graded blind, then read to mend the judge), `blind-val-3` (41–60, graded after those mends, never read before
  the judge was scored on it; read afterwards) and `blind-val-4` (61–80, a later run's replies, graded after the
  mends from blind-val-3 and scored once before it was read). Bitext's texts stay in ../shared: a row keeps the
  item's id, the model's reply (a model's output) or, for the retrieval baseline whose reply is a Bitext training
  reply, only its sha256, and the grade;
  `agreement` puts the conversation, reference and retrieved reply back from the bench workspace and skips with a
  message when that workspace is absent. bench/graded/bitext_replies_v1.jsonl keeps the first 45 Bitext grades,
  made on the build before the shop's own phone was allowlisted (it was `<PHONE_1>` then); they no longer match
  today's build and are not judged.

    python bench/graded_set.py sheet -w demo-workspace --models base retrieval RUN ... --out sheet.jsonl
        writes the rows to grade: conversation, reference, reply, category, kind — no judge score, so the
        person grading is not led by it; --split val answers the validation tickets through eval's path instead
        of reading the held-out evaluations (the blind-val set: `--split val serve.backend.max_new_tokens=160`)
    python bench/graded_set.py keep --bitext GRADED_SHEET.jsonl
        keeps graded Bitext rows in bench/graded/bitext_replies.jsonl without Bitext's texts
    python bench/graded_set.py agreement -w demo-workspace [--bitext-workspace bench/.work/real_data/bitext]
        runs `tunedesk judge` on each part and writes bench/results/judge_agreement.json (per part and pooled)

The rubric a person grades by: 3 = accurate and complete; 2 = right direction, a detail missing; 1 = factually
wrong or clearly off-base (a contradicted policy, an invented fact or promise, a wrong decision to escalate or
refuse, degenerate text, off the point).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from tunedesk.eval.human import allocate, cohen_kappa

HERE = Path(__file__).resolve().parent
GRADED = HERE / "graded" / "example_replies.jsonl"
BITEXT_GRADED = HERE / "graded" / "bitext_replies.jsonl"
SECOND = HERE / "graded" / "second_grades.jsonl"
BITEXT_WS = HERE / ".work" / "real_data" / "bitext"
RESULTS = HERE / "results" / "judge_agreement.json"
KEPT = ("id", "model", "category", "kind", "grade", "reason", "graded_by", "set", "split")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sheet(workspace: Path, models: list[str], out: Path, limit: int | None, split: str = "holdout",
          overrides: list[str] | None = None, skip: int = 0, ungraded: bool = False, stratify: bool = False) -> int:
    """Rows to grade for every model's evaluation of the held-out set (the same items for each model), or its
    replies to the validation split answered now through eval's path (after the first `skip` tickets, or only
    tickets no Bitext set graded yet with `ungraded`, so a new blind set takes tickets no earlier set graded even
    when a rebuild has moved the split's order)."""
    if split == "val":
        return _val_sheet(workspace, models, out, limit, overrides or [], skip, ungraded, stratify)
    held = {r["id"]: r for r in _jsonl(workspace / "data" / "holdout.jsonl")}
    rows = []
    for model in models:
        for reply in _jsonl(workspace / "reports" / "eval" / model / "replies.jsonl")[:limit]:
            item = held[reply["id"]]
            rows.append({"id": f"{model}:{reply['id']}", "item": reply["id"], "model": model,
                         "category": reply["category"], "kind": reply["kind"], "messages": item["messages"][:-1],
                         "reference": reply["reference"], "reply": reply["reply"]})
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def _val_sheet(workspace: Path, models: list[str], out: Path, limit: int | None, overrides: list[str],
               skip: int = 0, ungraded: bool = False, stratify: bool = False) -> int:
    from tunedesk.eval.answering import answered_by, split_items
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace, overrides)
    graded = {r["item"] for r in _jsonl(BITEXT_GRADED)} if ungraded and BITEXT_GRADED.is_file() else set()
    split = split_items(ws, "val")
    items = [i for i in split[skip:] if i.id not in graded]
    items = in_proportion(items, Counter(i.kind for i in split), limit) if stratify and limit else items[:limit]
    rows = []
    for model in models:
        answers = answered_by(ws, model, items)
        rows += [{"id": f"val:{model}:{item.id}", "item": item.id, "model": model, "category": item.category,
                  "kind": item.kind, "messages": item.messages, "reference": item.reference, "reply": answer.text,
                  "split": "val"} for item, answer in zip(items, answers, strict=True)]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def in_proportion(items: list[Any], kinds: Counter[str], limit: int) -> list[Any]:
    """`limit` of the items, in their order, with each kind (answer, escalation, ...) in the share `kinds` gives it
    (the review sheet's allocation), so a blind set is graded on the split's own mix and not on whatever the first
    tickets happen to be."""
    quota = allocate(dict(kinds), limit, one_each=False)
    taken = []
    for item in items:
        if quota.get(item.kind, 0) > 0:
            quota[item.kind] -= 1
            taken.append(item)
    return taken


def keep_bitext(graded_sheet: Path) -> int:
    """Graded Bitext rows without Bitext's texts (the reply of a model stays, a retrieved reply becomes its hash),
    added to the rows already kept (a row graded again replaces its earlier grade)."""
    kept = []
    for row in _jsonl(graded_sheet):
        if row.get("grade") is None:
            continue
        slim = {k: row[k] for k in KEPT if k in row} | {"item": row.get("item") or str(row["id"]).split(":", 1)[1]}
        reply = str(row["reply"])
        slim |= {"reply_sha256": _sha(reply)} if row["model"] == "retrieval" else {"reply": reply}
        kept.append(slim)
    new = {r["id"] for r in kept}
    earlier = [r for r in _jsonl(BITEXT_GRADED) if r["id"] not in new] if BITEXT_GRADED.is_file() else []
    BITEXT_GRADED.write_text("".join(json.dumps(r) + "\n" for r in [*earlier, *kept]), encoding="utf-8")
    return len(kept)


def hydrate_bitext(graded: Path, workspace: Path, out: Path) -> tuple[int, list[str]]:
    """The graded Bitext rows with their conversation, reference and (retrieval) reply from the bench workspace.
    A graded ticket is found in whichever split a rebuild has put it (a change to the splits or to what build
    drops moves tickets between them; the grade is of the reply, whatever split the ticket is in now); a retrieved
    reply to a validation or training ticket is retrieved again, which needs no model. Rows whose ticket is gone
    (dropped by build) or whose retrieved reply no longer hashes the same are left out and named."""
    data = workspace / "data"
    tickets = {r["id"]: r for name in ("holdout", "val", "train") for r in _jsonl(data / f"{name}.jsonl")}
    retrieved_path = workspace / "reports" / "eval" / "retrieval" / "replies.jsonl"
    retrieved = ({r["id"]: [r["reply"], (r.get("served") or {}).get("draft")] for r in _jsonl(retrieved_path)}
                 if retrieved_path.is_file() else {})
    graded_rows = _jsonl(graded)
    again = sorted({r["item"] for r in graded_rows if "reply_sha256" in r and r["item"] not in retrieved
                    and r["item"] in tickets})
    retrieved |= _retrieved(workspace, again)
    rows, missing = [], []
    for row in graded_rows:
        item = tickets.get(row["item"])
        reply = row.get("reply") or _graded_text(retrieved.get(row["item"], []), row.get("reply_sha256"))
        if item is None or reply is None:
            missing.append(str(row["id"]))
            continue
        messages = item["messages"]
        rows.append(row | {"messages": messages[:-1], "reference": messages[-1]["content"], "reply": reply})
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return len(rows), missing


def _graded_text(candidates: list[str | None], sha: str | None) -> str | None:
    """The retrieved text that was graded: what the server sent then, or the retrieved reply itself where a guard
    added since then hands the ticket to a person (eval keeps that reply as the draft)."""
    return next((c for c in candidates if c is not None and _sha(c) == sha), None)


def _retrieved(workspace: Path, ids: list[str]) -> dict[str, list[str | None]]:
    """The retrieval baseline's replies to these validation (or, since a rebuild, training) tickets through eval's
    path: what it sends, and its own reply where it sends something else."""
    if not ids:
        return {}
    from tunedesk.eval.answering import answered_by, split_items
    from tunedesk.workspace import Workspace

    ws = Workspace.open(workspace)
    wanted = set(ids)
    items = [item for split in ("val", "train") for item in split_items(ws, split) if item.id in wanted]
    return {item.id: [answer.text, answer.draft]
            for item, answer in zip(items, answered_by(ws, "retrieval", items), strict=True)}


def judged(workspace: Path, graded: Path) -> dict[str, Any]:
    """`tunedesk judge --json` with the workspace's judge on each set of a graded file — `dev` (rows read while the
    judge's rules were written) and `validation` (graded blind afterwards) — and the file as a whole, pooled."""
    rows = _jsonl(graded)
    sets: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted({str(r.get("set") or "dev") for r in rows}):
            part = Path(tmp) / f"{name}.jsonl"
            part.write_text("".join(json.dumps(r) + "\n" for r in rows if (r.get("set") or "dev") == name))
            sets[name] = _judge(workspace, part)
    whole = pooled(list(sets.values()))
    if len(sets) > 1:
        whole |= {f"set:{name}": {k: v for k, v in found.items() if k != "disagreements"}
                  for name, found in sets.items()}
    return whole


def _judge(workspace: Path, graded: Path) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-m", "tunedesk", "judge", str(graded), "-w", str(workspace), "--json"],
                          capture_output=True, text=True, check=True)
    found: dict[str, object] = json.loads(proc.stdout)
    return {k: found[k] for k in ("n", "graded", "agreement", "kappa", "confusion", "judge_scores", "disagreements")}


def pooled(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Agreement and Cohen's kappa over the parts together, from their summed confusion matrices; their counts
    summed and their disagreements listed."""
    matrix = [[sum(p["confusion"][i][j] for p in parts) for j in range(3)] for i in range(3)]
    total = sum(map(sum, matrix))
    kappa = cohen_kappa(matrix)
    scores = {s: sum(p["judge_scores"].get(s, 0) for p in parts if "judge_scores" in p) for s in ("1", "2", "3")}
    return {"n": sum(p.get("n", p["graded"]) for p in parts), "graded": total,
            "agreement": round(sum(matrix[i][i] for i in range(3)) / total, 4),
            "kappa": None if kappa is None else round(kappa, 4), "confusion": matrix, "judge_scores": scores,
            "disagreements": [d for p in parts for d in p.get("disagreements", [])]}


def between_graders(first: Path = GRADED, second: Path = SECOND) -> dict[str, Any] | None:
    """How far two people agree on the rubric: the second grader's blind grades of a sample of the graded rows
    against the first grades (rows: second grader 1, 2, 3; columns: first grader)."""
    if not second.is_file():
        return None
    firsts = {r["id"]: int(r["grade"]) for r in _jsonl(first)}
    matrix = [[0] * 3 for _ in range(3)]
    for row in _jsonl(second):
        if row["id"] in firsts:
            matrix[int(row["grade"]) - 1][firsts[row["id"]] - 1] += 1
    total = sum(map(sum, matrix))
    kappa = cohen_kappa(matrix) if total else None
    return {"graded": total, "agreement": round(sum(matrix[i][i] for i in range(3)) / total, 4) if total else None,
            "kappa": None if kappa is None else round(kappa, 4), "confusion": matrix}


def agreement(workspace: Path, bitext_workspace: Path) -> dict[str, Any]:
    parts: dict[str, dict[str, Any]] = {"example": judged(workspace, GRADED)}
    if not BITEXT_GRADED.is_file():
        print(f"bitext: no graded rows at {BITEXT_GRADED}")
    elif not (bitext_workspace / "data" / "holdout.jsonl").is_file():
        print(f"bitext: skipped, no bench workspace at {bitext_workspace} (run bench/real_data.py first)")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = Path(tmp) / "bitext.jsonl"
            _count, missing = hydrate_bitext(BITEXT_GRADED, bitext_workspace, rows)
            if missing:
                print(f"bitext: {len(missing)} graded rows no longer match the workspace, left out: {missing[:5]}")
            parts["bitext"] = judged(bitext_workspace, rows) | {"left_out": missing}
    whole = pooled(list(parts.values()))
    result = {"parts": parts, "pooled": {k: whole[k] for k in ("graded", "agreement", "kappa", "confusion")},
              "between_graders": between_graders()}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("sheet", help="write rows to grade")
    make.add_argument("-w", "--workspace", type=Path, required=True)
    make.add_argument("--models", nargs="+", required=True)
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--limit", type=int, default=None)
    make.add_argument("--skip", type=int, default=0, help="--split val: leave out the first SKIP tickets")
    make.add_argument("--split", choices=("holdout", "val"), default="holdout")
    make.add_argument("--ungraded", action="store_true", help="--split val: only tickets no Bitext set graded yet")
    make.add_argument("--stratify", action="store_true",
                      help="--split val with --limit: tickets of each kind in the validation split's own shares")
    make.add_argument("overrides", nargs="*", help="config overrides for --split val")
    keep = sub.add_parser("keep", help="keep graded Bitext rows without Bitext's texts")
    keep.add_argument("--bitext", type=Path, required=True)
    check = sub.add_parser("agreement", help="the judge against the graded set")
    check.add_argument("-w", "--workspace", type=Path, required=True)
    check.add_argument("--bitext-workspace", type=Path, default=BITEXT_WS)
    args = parser.parse_args()
    if args.command == "sheet":
        written = sheet(args.workspace, args.models, args.out, args.limit, args.split, args.overrides, args.skip,
                        args.ungraded, args.stratify)
        print(f"{written} rows in {args.out}")
    elif args.command == "keep":
        print(f"{keep_bitext(args.bitext)} rows in {BITEXT_GRADED}")
    else:
        found = agreement(args.workspace, args.bitext_workspace)
        shown = [(name, part) for name, whole in found["parts"].items()
                 for name, part in [(name, whole), *((f"{name} {k}", v) for k, v in whole.items()
                                                     if k.startswith("set:"))]]
        for name, part in [*shown, ("pooled", found["pooled"])]:
            print(f"{name}: judge vs person on {part['graded']} replies: agreement {part['agreement']}, "
                  f"kappa {part['kappa']}; confusion (rows judge 1, 2, 3; columns person 1, 2, 3) {part['confusion']}")
        graders = found["between_graders"]
        if graders:
            print(f"second grader vs first on {graders['graded']} replies: agreement {graders['agreement']}, "
                  f"kappa {graders['kappa']}; confusion (rows second 1, 2, 3; columns first) {graders['confusion']}")
        print(f"written: {RESULTS}")


if __name__ == "__main__":
    main()
