"""The eval stage: a model's replies to the held-out tickets, produced through `tunedesk.answer` and scored 3/2/1
by a judge (`eval.judges`), with metrics, calibration, human review, the HTML report and the promotion gate."""
