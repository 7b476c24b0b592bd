# Carestaff — two commands on a fresh machine:
#   make run    import the sample data into a fresh demo database and print the status table
#   make test   build, lint and run every test, then check the command-line contract
#
# Needs only Rust (cargo) and Python 3; installs what else is missing.

CARGO   ?= cargo
SHARED  ?= ../shared
DEMO_DB ?= out/demo.db
BIN     := target/debug/carestaff

.PHONY: run test build lint fmt sample-data contract real-files clean

build:
	$(CARGO) build --bin carestaff

run: build
	@mkdir -p out
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN) --db $(DEMO_DB) import sample-data/*.xlsx > out/demo-import.log
	@echo "imported sample-data/ into $(DEMO_DB) (log: out/demo-import.log)"
	$(BIN) --db $(DEMO_DB) status

test: lint
	$(CARGO) test --workspace
	$(MAKE) contract
	$(MAKE) real-files

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

# The command-line contract fixed in DESIGN.md, checked by the shared tool when it is there.
contract: build
	@if [ -f $(SHARED)/tools/cli-contract-check.py ]; then \
		python3 $(SHARED)/tools/cli-contract-check.py $(BIN) sample-data; \
	else echo "contract: $(SHARED)/tools/cli-contract-check.py not found, skipped"; fi

# Real government spreadsheets (not in the project: no licence): each must be imported or
# rejected with a located error, never crash.
real-files: build
	@if [ -d $(SHARED)/data/real-xlsx ]; then \
		python3 tests/real_files.py $(BIN) $(SHARED)/data/real-xlsx; \
	else echo "real-files: $(SHARED)/data/real-xlsx not found, skipped"; fi

# Regenerate sample-data/ (deterministic).
sample-data:
	rm -f sample-data/*.xlsx
	$(CARGO) run --example make-sample-data

clean:
	rm -rf out
