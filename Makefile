# cairn: one Go binary that evaluates Nix-language configurations and
# manages a Nix-compatible store. `make demo` shows it, `make test` checks it.

GO        ?= go
BIN       := bin/cairn
# Whole-suite limit for go test; CI must finish well under 20 minutes.
TEST_TIMEOUT ?= 12m
FUZZ_TIME    ?= 10s
SUMMARY   := bin/langtest-summary.txt

.PHONY: all build deps test demo bench fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/cairn

# deps installs what the tests compare against (nix-bin: nix-instantiate,
# the oracle) and the Go modules. Idempotent: apt runs only when a tool is
# missing, and then updates its index once.
deps:
	@missing=""; \
	command -v nix-instantiate >/dev/null 2>&1 || missing="$$missing nix-bin"; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		export DEBIAN_FRONTEND=noninteractive; \
		$$sudo apt-get update -qq && \
		$$sudo apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	fi
	$(GO) mod download

# test runs vet and every test, then prints the upstream-suite pass rates
# (written by internal/nix/langtest) whether or not the tests passed.
test: deps
	@mkdir -p bin && rm -f $(SUMMARY)
	$(GO) vet ./...
	@status=0; \
	CAIRN_LANGTEST_SUMMARY=$(CURDIR)/$(SUMMARY) $(GO) test -timeout $(TEST_TIMEOUT) ./... || status=$$?; \
	echo; \
	if [ -f $(SUMMARY) ]; then cat $(SUMMARY); else echo "(no upstream-suite summary: internal/nix/langtest did not run)"; fi; \
	exit $$status

demo: deps build
	@bash scripts/demo.sh

# bench compares cairn eval with nix-instantiate and records the figures
# in docs/benchmarks.md.
# bench runs every benchmark and rewrites its section of docs/benchmarks.md
# (bench/modules compares with nixpkgs' lib when NIXPKGS_LIB names it;
# the build and switch benchmarks need root).
bench: deps build
	$(GO) run ./bench/eval -cairn $(BIN) -write docs/benchmarks.md
	$(GO) run ./bench/modules -cairn $(BIN) -write docs/benchmarks.md
	$(GO) run ./bench/store -cairn $(BIN) -write docs/benchmarks.md
	$(GO) run ./bench/store build -cairn $(BIN) -write docs/benchmarks.md
	$(GO) run ./bench/switch -write docs/benchmarks.md
	$(GO) run ./bench/pkgs -write docs/benchmarks.md

# fuzz runs every fuzz target (func FuzzXxx in a _test.go file) for
# FUZZ_TIME each.
fuzz:
	@set -e; \
	for file in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		pkg=$$(dirname $$file); \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
			echo "fuzz: $$pkg $$target ($(FUZZ_TIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZ_TIME) $$pkg; \
		done; \
	done

clean:
	rm -rf bin
