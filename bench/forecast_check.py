"""Did `tunedesk train --calibrate` forecast the full run? The full run scored on the calibration's validation items
through eval's path and judge, set beside the forecast by the product's own check (eval/forecast_check.py), without
the held-out pass that `tunedesk eval` makes as well.

    python bench/forecast_check.py -w bench/.work/real_data/bitext --model RUN serve.backend.max_new_tokens=256

It answers the calibration's validation items once (about 5 s a ticket on 2 cores, so it is not in `make bench`)
and judges two texts of each: what the server sends (today's eval: a hand-over is judged on its holding reply) and
the model's own text (how eval judged before that change, `ANSWER_PATH` server:1, and so how calibrations made
before it scored their runs). Writes bench/results/forecast_check_<workspace folder>.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tunedesk.eval.answering import answered_by, split_items
from tunedesk.eval.baselines import answer_path_signature
from tunedesk.eval.forecast_check import CALIBRATION_FILE, forecast_check
from tunedesk.eval.stage import eval_judge
from tunedesk.store.runs import find_run
from tunedesk.workspace import Workspace

RESULTS = Path(__file__).resolve().parent / "results"


def measure(workspace: Path, model: str, overrides: list[str]) -> dict[str, Any]:
    ws = Workspace.open(workspace, overrides)
    calibration = json.loads((ws.output_dir("reports") / CALIBRATION_FILE).read_text(encoding="utf-8"))
    items = split_items(ws, "val", calibration["validation"]["items"])
    answers = answered_by(ws, model, items)
    judge, run = eval_judge(ws), find_run(ws.root, model)
    texts = {"as served (today's eval)": [a.text for a in answers],
             "the model's own text (eval before server:2)": [a.draft or a.text for a in answers]}
    found: dict[str, Any] = {"workspace": str(workspace), "run": run.id, "overrides": overrides, "checks": {}}
    for name, replies in texts.items():
        verdicts = judge.judge(items, replies)
        scores = {item.id: v.score for item, v in zip(items, verdicts, strict=True)}
        found["checks"][name] = forecast_check(ws, run.record, scores, answer_path_signature(ws))
    found["differing_texts"] = sum(a.draft is not None for a in answers)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-w", "--workspace", type=Path, required=True)
    parser.add_argument("--model", required=True, help="the full run the calibration planned")
    parser.add_argument("overrides", nargs="*", help="config overrides, as for `tunedesk eval`")
    args = parser.parse_args()
    if not (args.workspace / "reports" / CALIBRATION_FILE).is_file():
        raise SystemExit(f"{args.workspace}: no calibration; run `tunedesk train --calibrate` first")
    found = measure(args.workspace, args.model, args.overrides)
    print(f"{'judged text':46s} {'items':>5s} {'forecast':>9s} {'interval':>13s} {'measured':>9s} {'diff':>7s}  loss")
    for name, check in found["checks"].items():
        if not check or not check["comparable"]:
            print(f"{name:46s} not compared: {(check or {}).get('why', 'no validation scores')}")
            continue
        low, high = check["forecast_score_3_ci"]
        print(f"{name:46s} {check['items']:>5d} {check['forecast_score_3']:>9.1%} {f'{low:.0%}-{high:.0%}':>13s} "
              f"{check['measured_score_3']:>9.1%} {100 * check['difference']:>+6.1f}  "
              f"{check['forecast_val_loss']} vs {check['measured_val_loss']}")
    out = RESULTS / f"forecast_check_{args.workspace.resolve().name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
