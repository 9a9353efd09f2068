"""The review web app at /ui: the draft queue, the dashboard and the model registry, for support agents."""
