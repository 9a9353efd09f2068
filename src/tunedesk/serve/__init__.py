"""The HTTP service (`tunedesk serve`): FastAPI routers per resource (replies, summaries, feedback, the
OpenAI-compatible API, the agents' review app) over the Responder of `tunedesk.answer`, with limits, API keys
and metrics. `app.create_app(settings)` is the only factory."""
