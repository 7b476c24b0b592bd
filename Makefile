# Carestaff — two commands on a fresh machine:
#   make run    import the sample data into a fresh demo database and print the status table
#   make test   build, lint and run every test, then check the command-line contract
#
# Needs only Rust (cargo) and Python 3; installs what else is missing.

CARGO   ?= cargo
SHARED  ?= ../shared
DEMO_DB ?= out/demo.db
BIN     := target/debug/carestaff

.PHONY: run test build lint fmt sample-data contract real-files report-pdf system-deps bench clean

# Debian packages the tests need, installed when missing (CI starts from a bare machine):
# a CJK font for chart PNGs, LibreOffice and poppler to render the report as a leader would.
TEST_PACKAGES := fonts-noto-cjk libreoffice-calc-nogui poppler-utils
APT := $(shell command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo) apt-get

build:
	$(CARGO) build --bin carestaff

run: build
	@mkdir -p out
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN) --db $(DEMO_DB) import sample-data/*.xlsx > out/demo-import.log
	@echo "imported sample-data/ into $(DEMO_DB) (log: out/demo-import.log)"
	$(BIN) --db $(DEMO_DB) status

test: system-deps lint
	$(CARGO) test --workspace
	$(MAKE) contract
	$(MAKE) real-files
	$(MAKE) report-pdf

system-deps:
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq --no-install-recommends $$missing; \
	fi

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

# The compliance report of the sample data, converted to PDF by LibreOffice and rendered to PNG:
# the way a leader opens it. Fails if LibreOffice cannot read the workbook.
report-pdf: build
	@rm -rf out/report-pdf && mkdir -p out/report-pdf
	$(BIN) --db out/report-pdf/r.db import sample-data/*.xlsx > /dev/null
	$(BIN) --db out/report-pdf/r.db report -o out/report-pdf/report.xlsx --as-of 2026-10-15 > /dev/null
	soffice --headless -env:UserInstallation=file://$(CURDIR)/out/report-pdf/profile --convert-to pdf --outdir out/report-pdf out/report-pdf/report.xlsx > /dev/null
	pdftoppm -png -r 50 -f 1 -l 3 out/report-pdf/report.pdf out/report-pdf/page
	@pages=$$(ls out/report-pdf/page-*.png 2>/dev/null | wc -l); [ "$$pages" -ge 3 ] || { echo "report-pdf: expected at least 3 rendered pages, got $$pages"; exit 1; }
	@echo "report-pdf: out/report-pdf/report.pdf rendered ($$(ls out/report-pdf/page-*.png | wc -l) pages looked at)"

# Benchmarks at national scale (see BENCHMARKS.md): generates the file once, then times import,
# status and report against a bare calamine read and the pandas peer.
bench:
	$(CARGO) build --release --bin carestaff
	@[ -f out/national/national-40q.xlsx ] || $(CARGO) run --release --example make-national -- out/national 42
	@python3 -c "import pandas, openpyxl, xlsxwriter" 2>/dev/null || pip install -q pandas openpyxl XlsxWriter
	target/release/carestaff bench out/national/national-40q.xlsx --runs 5

# Regenerate sample-data/ (deterministic).
sample-data:
	rm -f sample-data/*.xlsx
	$(CARGO) run --example make-sample-data

clean:
	rm -rf out
