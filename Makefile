# jrx — common tasks. `make help` lists them.
GO      ?= go
BIN     ?= bin/jrx
PKGS    := ./...
# The pure-Go build is the default; `make build TAGS=openblas` adds the cgo OpenBLAS backend.
TAGS    ?=
export CGO_ENABLED ?= 0
# `make lint` runs staticcheck when it is on PATH or in $(go env GOPATH)/bin;
# v0.8.2 is staticcheck 2026.2.2, the version the code is clean with.
STATICCHECK ?= staticcheck
STATICCHECK_VERSION ?= v0.8.2

.PHONY: help build run test test-short bench lint fuzz e2e clean docs docs-check ksweep

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/jrx
	$(GO) build -tags '$(TAGS)' -o $(BIN) ./cmd/jrx

run: build ## open the explorer on the embedded default model
	./$(BIN)

.PHONY: bench-vs-pytorch
# The interpreter with python3-torch (Debian's); nothing is installed for you.
PYTHON  ?= /usr/bin/python3
BENCH_TIME ?= 10

bench-vs-pytorch: build ## jrx bench train vs bench/pytorch_train.py, alternately 3x each: median ratio and CPU steal
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "bench-vs-pytorch: no $(PYTHON); set PYTHON to a python3 with torch and numpy (Debian: apt-get install python3-torch)"; exit 2; }
	$(PYTHON) bench/vs_pytorch.py --jrx $(BIN) --python $(PYTHON) --time $(BENCH_TIME)

test: ## run every test (what CI runs)
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 14m $(PKGS)

bench: build ## print matmul and training speed against the in-process references
	./$(BIN) bench matmul
	$(GO) test -run '^$$' -bench . -benchtime 2x ./nn/

lint: ## gofmt, go vet and staticcheck (when installed)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@sc=$$(command -v $(STATICCHECK) || ls "$$($(GO) env GOPATH)/bin/staticcheck" 2>/dev/null); \
	if [ -z "$$sc" ]; then \
		echo "staticcheck is not installed; skipped. Install it with:"; \
		echo "  $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)"; \
	else \
		echo "$$sc $(PKGS)"; "$$sc" $(PKGS); \
	fi

fuzz: ## run each fuzz target for FUZZTIME (default 60s)
	$(GO) test -run '^$$' -fuzz FuzzReadSafetensors -fuzztime $${FUZZTIME:-60s} ./nn/
	$(GO) test -run '^$$' -fuzz FuzzSgemm -fuzztime $${FUZZTIME:-60s} ./nn/
	$(GO) test -run '^$$' -fuzz FuzzGemv -fuzztime $${FUZZTIME:-60s} ./nn/
	$(GO) test -run '^$$' -fuzz FuzzDot -fuzztime $${FUZZTIME:-60s} ./nn/
	$(GO) test -run '^$$' -fuzz FuzzMatVec16 -fuzztime $${FUZZTIME:-60s} ./nn/
	$(GO) test -run '^$$' -fuzz FuzzParseTree -fuzztime $${FUZZTIME:-60s} ./tasks/tree/
	$(GO) test -run '^$$' -fuzz FuzzParseInjection -fuzztime $${FUZZTIME:-60s} ./engine/
	$(GO) test -run '^$$' -fuzz FuzzCFGParse -fuzztime $${FUZZTIME:-60s} ./tasks/cfg/
	$(GO) test -run '^$$' -fuzz FuzzModelSetConfig -fuzztime $${FUZZTIME:-60s} ./engine/
	$(GO) test -run '^$$' -fuzz FuzzParseRecord -fuzztime $${FUZZTIME:-60s} ./engine/

# The paper's App. D k sweep (docs/FIGURES.md): the depth-KSWEEP_DEPTH preset,
# k = 4 trained in full first, then every other k from its pretraining and
# baseline (--from: only SST and the Talkers are trained again), each run
# recording SST's curve every KSWEEP_EVERY steps into runs/tree-d<depth>-k<k>/.
# A finished run (eval.json and its curve present) is skipped; an interrupted
# one is resumed.
KSWEEP_DEPTH ?= 3
KSWEEP_EVERY ?= 20
KSWEEP_KS    ?= 1 2 3 5 6
KSWEEP_RUN    = runs/tree-d$(KSWEEP_DEPTH)-k

ksweep: build ## the paper's App. D: train k = 4, then k = 1,2,3,5,6 from its pretraining; draw docs/figures/ksweep.svg/png (CPU-hours)
	@set -e; for k in 4 $(KSWEEP_KS); do \
		out=$(KSWEEP_RUN)$$k; \
		if [ -f $$out/eval.json ] && [ -f $$out/sst_curve.json ]; then echo "$$out: finished, skipped"; continue; fi; \
		from=; [ $$k = 4 ] || from="--from $(KSWEEP_RUN)4"; \
		resume=; if ls $$out/*.state.safetensors >/dev/null 2>&1; then resume=--resume; fi; \
		echo "./$(BIN) train tree --depth $(KSWEEP_DEPTH) --k $$k --sst-curve-every $(KSWEEP_EVERY) --out $$out $$from $$resume"; \
		./$(BIN) train tree --depth $(KSWEEP_DEPTH) --k $$k --sst-curve-every $(KSWEEP_EVERY) --out $$out $$from $$resume; \
	done
	./$(BIN) eval ksweep $(foreach k,$(sort 4 $(KSWEEP_KS)),$(KSWEEP_RUN)$(k)) --svg docs/figures/ksweep.svg --png docs/figures/ksweep.png

clean: ## remove build outputs
	rm -rf bin

docs: ## regenerate every capture in README.md and docs/*.md from the binary's screens
	$(GO) run ./internal/captures/makedocs

docs-check: ## fail when a capture in README.md or docs/*.md differs from what the binary draws
	$(GO) run ./internal/captures/makedocs -check
