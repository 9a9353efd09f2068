"""The learning loop: agents' reviews of served replies become training examples (`learn.feedback`), drift checks
say when the model has fallen behind (`learn.drift`), and a retrain builds, adds the feedback, trains, evaluates
and asks the gate (`learn.retrain`).

Nothing is re-exported here: `tunedesk.learn.retrain` stays the module, not its function of the same name."""
