"""Answering one ticket, the code /v1/replies runs and eval replays: rollout → guardrails before generation →
the prompt with policies and KB passages → a backend → guardrails after generation → calibrated confidence →
the routing decision (auto-send, draft for an agent, escalate, refuse) → the reply log.

`setup.build_responder(ws)` puts a `pipeline.Responder` together from a workspace; backends are looked up by
name in `answer.backends`, guards in `answer.guards`."""
