"""The learning loop's data side: agents' reviews of served replies become training examples (`learn.feedback`),
and a retrain builds, adds them, trains, evaluates and asks the gate (`learn.retrain`).

Nothing is re-exported here: `tunedesk.learn.retrain` stays the module, not its function of the same name."""
