"""Models, shared by the stages that load or run one: base models by name (`base`), a training run's model
(`run`), the model under evaluation or served (`candidate`), chat templates (`template`), batched generation
(`generate`, `generation`) and sentence embedders (`embed`, `static_embed`)."""
