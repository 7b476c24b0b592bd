# Carestaff — two commands on a fresh machine:
#   make run    build the desktop app and start it (the sample data is loaded on first start)
#   make test   install what is missing, lint, run every test (the desktop end-to-end tests
#               under Xvfb), then check the command-line contract and the real files
#
# Needs only Rust (cargo) and Python 3; installs the Debian packages and tauri-driver when
# they are missing (as root, or through sudo).

CARGO      ?= cargo
SHARED     ?= ../shared
DEMO_DB    ?= out/demo.db
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
BIN        := $(TARGET_DIR)/debug/carestaff
APP        := $(TARGET_DIR)/debug/carestaff-desktop
XVFB       := xvfb-run -a -s "-screen 0 1366x768x24"
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: to build the webview shell, to run and test it, to take screenshots.
BUILD_PKGS := build-essential pkg-config libwebkit2gtk-4.1-dev
RUN_PKGS   := xvfb webkit2gtk-driver fonts-noto-cjk
SHOT_PKGS  := imagemagick xdotool

# Debian packages the core's tests need: a CJK font for chart PNGs, LibreOffice and poppler to
# render the report as a leader would; PostgreSQL for the hub (a throwaway cluster per test
# binary) and Chromium with its WebDriver for the hub's pages.
TEST_PACKAGES := fonts-noto-cjk libreoffice-calc-nogui poppler-utils postgresql chromium chromium-driver

.PHONY: run test app build lint fmt deps-build deps-run deps-shots system-deps tauri-driver demo-cli \
	sample-data contract real-files hostile report-pdf bench bench-hub screenshots clean hub hub-stop \
	package package-test deps-package

# Debian packages `make package` needs: the packager's checks (lintian), icons from the SVG,
# manual pages from --help; `make package-test` checks the menu entry and looks at the window.
PACKAGE_PKGS := lintian librsvg2-bin help2man dpkg-dev desktop-file-utils xdotool imagemagick

# Installs the packages in $(1) that dpkg does not report as installed.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi
endef

deps-build:
	$(call apt_install,$(BUILD_PKGS))

deps-run:
	$(call apt_install,$(RUN_PKGS))

deps-package:
	$(call apt_install,$(PACKAGE_PKGS))

deps-shots:
	$(call apt_install,$(SHOT_PKGS))

system-deps:
	$(call apt_install,$(TEST_PACKAGES))

tauri-driver:
	@command -v tauri-driver >/dev/null 2>&1 || [ -x "$${CARGO_HOME:-$$HOME/.cargo}/bin/tauri-driver" ] || \
		$(CARGO) install tauri-driver --version "^2" --locked

# The app is built by `cargo test --no-run` rather than `cargo build`: both would compile Tauri
# with different features (twice the time); this way `make test` and `make run` share one build.
app: deps-build
	$(CARGO) test --workspace --no-run

run: app deps-run
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(APP); \
	else \
		echo "no display: starting the app under Xvfb (nothing to see; tools/screenshots.sh shows it)"; \
		$(XVFB) $(APP); \
	fi

test: deps-build deps-run system-deps tauri-driver lint
	PATH="$$PATH:$${CARGO_HOME:-$$HOME/.cargo}/bin" $(XVFB) $(CARGO) test --workspace
	$(MAKE) contract real-files hostile report-pdf SKIP_BUILD=1

build:
	$(CARGO) build --bin carestaff

lint: deps-build
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	python3 tools/long-functions.py
	@for f in ui/*.js ui/pages/*.js; do node --input-type=module --check < $$f || { echo "$$f: not a valid ES module"; exit 1; }; done
	@! git grep -nE '^(<<<<<<<|>>>>>>>) ' -- . || { echo 'merge conflict markers left in the files above'; exit 1; }

fmt:
	$(CARGO) fmt --all

# The hub on this machine (see README, "Run a hub for your province"): PostgreSQL from Debian
# when missing, a cluster of its own in out/hub, the sample data and demonstration accounts,
# then the pages on http://127.0.0.1:8080. `make hub-stop` stops the cluster.
HUB_PKGS := postgresql
hub: build
	$(call apt_install,$(HUB_PKGS))
	tools/hub.sh $(BIN)

hub-stop:
	tools/pg-cluster.sh stop $(CURDIR)/out/hub/pgdata

# The Debian packages (README, "Install"): carestaff-desktop and carestaff-hub in out/packages/,
# built by cargo-deb from the release binaries (one cargo invocation: one set of features).
package: deps-build deps-package
	@command -v cargo-deb >/dev/null 2>&1 || [ -x "$${CARGO_HOME:-$$HOME/.cargo}/bin/cargo-deb" ] || \
		$(CARGO) install cargo-deb --version "^3" --locked
	$(CARGO) build --release -p carestaff -p carestaff-desktop --bins
	PATH="$$PATH:$${CARGO_HOME:-$$HOME/.cargo}/bin" TARGET_DIR=$(TARGET_DIR) tools/package.sh

# Installs each package the way an office does (apt-get install ./….deb), checks the command,
# the menu entry and the desktop's window under Xvfb, then removes it and checks that nothing
# of it is left but the user's data. Changes this machine's packages: CI runs it (.ci/run).
package-test: package deps-run
	$(SUDO) tools/package-test.sh out/packages

# The command line on the sample data: a fresh demo database and the status table.
demo-cli: build
	@mkdir -p out
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN) --db $(DEMO_DB) import sample-data/*.xlsx > out/demo-import.log
	@echo "imported sample-data/ into $(DEMO_DB) (log: out/demo-import.log)"
	$(BIN) --db $(DEMO_DB) status

# The command-line contract fixed in DESIGN.md, checked by the shared tool when it is there.
# `cargo test --workspace` has just built $(BIN) for the integration tests; `make test` passes
# SKIP_BUILD=1 so it is not compiled again with `cargo build`'s features.
contract: $(if $(SKIP_BUILD),,build)
	@if [ -f $(SHARED)/tools/cli-contract-check.py ]; then \
		python3 $(SHARED)/tools/cli-contract-check.py $(BIN) sample-data; \
	else echo "contract: $(SHARED)/tools/cli-contract-check.py not found, skipped"; fi

# Real government spreadsheets (not in the project: no licence): each must be imported or
# rejected with a located error, never crash.
real-files: $(if $(SKIP_BUILD),,build)
	@if [ -d $(SHARED)/data/real-xlsx ]; then \
		python3 tests/real_files.py $(BIN) $(SHARED)/data/real-xlsx; \
	else echo "real-files: $(SHARED)/data/real-xlsx not found, skipped"; fi

# Hostile and broken files (tests/hostile): generated afresh, each imported under a 256 MiB
# address-space limit and a time limit, and each must be refused (or imported) in words with
# nothing of Rust's or a library's text and the database unchanged.
HOSTILE_DIR ?= out/hostile
HOSTILE_TIME ?= 10
hostile: $(if $(SKIP_BUILD),,build)
	python3 tests/hostile/make_hostile.py $(HOSTILE_DIR) --force > /dev/null
	@python3 tests/hostile/run_hostile.py $(BIN) $(HOSTILE_DIR) --time-limit $(HOSTILE_TIME) --mem-mib 256 > $(HOSTILE_DIR).log; \
		status=$$?; grep -a '^FAIL' -A3 $(HOSTILE_DIR).log; tail -7 $(HOSTILE_DIR).log; exit $$status

# The compliance report of the sample data, converted to PDF by LibreOffice and rendered to PNG:
# the way a leader opens it. Fails if LibreOffice cannot read the workbook.
report-pdf: $(if $(SKIP_BUILD),,build)
	@rm -rf out/report-pdf && mkdir -p out/report-pdf
	$(BIN) --db out/report-pdf/r.db import sample-data/*.xlsx > /dev/null
	$(BIN) --db out/report-pdf/r.db report -o out/report-pdf/report.xlsx --as-of 2026-10-15 > /dev/null
	$(BIN) --db out/report-pdf/r.db --lang en report -o out/report-pdf/report-en.xlsx --as-of 2026-10-15 > /dev/null
	soffice --headless -env:UserInstallation=file://$(CURDIR)/out/report-pdf/profile --convert-to pdf --outdir out/report-pdf out/report-pdf/report.xlsx out/report-pdf/report-en.xlsx > /dev/null
	tools/check_pdf_type.py out/report-pdf/report.pdf 9
	tools/check_pdf_type.py out/report-pdf/report-en.pdf 9
	pdftoppm -png -r 50 -f 1 -l 3 out/report-pdf/report.pdf out/report-pdf/page
	@pages=$$(ls out/report-pdf/page-*.png 2>/dev/null | wc -l); [ "$$pages" -ge 3 ] || { echo "report-pdf: expected at least 3 rendered pages, got $$pages"; exit 1; }
	@echo "report-pdf: out/report-pdf/report.pdf rendered ($$(ls out/report-pdf/page-*.png | wc -l) pages looked at)"

# Benchmarks at national scale (see BENCHMARKS.md): generates the file once, then times import,
# status and report against a bare calamine read and the Python peers (pandas, polars).
bench:
	$(CARGO) build --release --bin carestaff
	@[ -f out/national/national-40q.xlsx ] || $(CARGO) run --release --example make-national -- out/national 42
	@python3 -c "import pandas, openpyxl, xlsxwriter" 2>/dev/null || pip install -q pandas openpyxl XlsxWriter
	@python3 -c "import polars, fastexcel" 2>/dev/null || pip install -q polars fastexcel
	$(TARGET_DIR)/release/carestaff bench out/national/national-40q.xlsx --runs 5

# The national workbook into a hub's PostgreSQL (Debian's default settings) and into SQLite,
# one after the other (BENCHMARKS.md, "The hub's import at national scale").
bench-hub:
	$(CARGO) build --release --bin carestaff
	@[ -f out/national/national-40q.xlsx ] || $(CARGO) run --release --example make-national -- out/national 42
	$(call apt_install,postgresql)
	tools/bench-hub.sh $(TARGET_DIR)/release/carestaff out/national/national-40q.xlsx 3

# The README screenshots (docs/screenshots/*.png), taken from the real app under Xvfb.
screenshots: app deps-run deps-shots
	APP=$(APP) tools/screenshots.sh

# Regenerate sample-data/ (deterministic).
sample-data:
	rm -f sample-data/*.xlsx
	$(CARGO) run --example make-sample-data

clean:
	rm -rf out
