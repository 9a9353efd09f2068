"""`tunedesk judge FILE.jsonl`: the workspace's judge on any replies file, with agreement and Cohen's kappa against
the people's grades the rows carry; unreadable rows are set aside with their reason."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tunedesk.cli.main import app
from tunedesk.scaffold import init_workspace

SIGN = "\n\nHappy trails,\nThe Trailhead Outfitters team"
REFERENCE = ("Hi there,\n\nYou have 30 days from delivery to return unused items in their original condition. Start "
             "your return at https://trailhead-outfitters.example/returns." + SIGN)


def _row(row_id: str, reply: str, grade: int | None) -> dict[str, object]:
    return {"id": row_id, "category": "returns", "kind": "answer", "reference": REFERENCE, "reply": reply,
            "grade": grade, "reason": "graded by hand for the test",
            "messages": [{"role": "user", "content": "Can I still return my boots?"}]}


def test_judge_scores_a_file_and_measures_agreement_with_people(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, example=True, example_tickets=10)
    rows = [_row("right", REFERENCE, 3),
            _row("loop", "Hi there,\n\nSorry to hear that. Sorry to hear that. Sorry to hear that." + SIGN, 1),
            _row("wrong", REFERENCE.replace("30 days", "14 days"), 1),
            _row("ungraded", REFERENCE, None)]
    path = tmp_path / "graded.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"id": "broken", "reply": 5}\nnot json\n')

    result = CliRunner().invoke(app, ["judge", str(path), "-w", str(root), "eval.similarity=false", "--json"])

    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["n"] == 4 and found["graded"] == 3
    assert found["agreement"] == 1.0 and found["kappa"] == 1.0 and found["disagreements"] == []
    assert found["confusion"] == [[2, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert [a["field"] for a in found["set_aside"] if a["field"]] == ["messages"]
    assert len(found["set_aside"]) == 2  # the row without a conversation, and the line that is not JSON
    # the same file on the console: the table and the kappa
    shown = CliRunner().invoke(app, ["judge", str(path), "-w", str(root), "eval.similarity=false"])
    assert shown.exit_code == 0 and "Cohen's kappa 1.000" in shown.output


def test_a_judge_that_disagrees_is_shown_where(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, example=True, example_tickets=10)
    path = tmp_path / "graded.jsonl"
    path.write_text(json.dumps(_row("kind", REFERENCE, 1)) + "\n")  # a person called a correct reply wrong
    found = json.loads(CliRunner().invoke(app, ["judge", str(path), "-w", str(root), "eval.similarity=false",
                                                "--json"]).stdout)
    assert found["agreement"] == 0.0 and found["disagreements"][0]["id"] == "kind"
