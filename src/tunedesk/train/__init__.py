"""The train stage: the training set → token ids with loss on the replies only → LoRA, QLoRA, full fine-tuning or
distillation → a run folder (`runs/<id>/`: model, resolved config, metrics, loss curve)."""
