# Two commands from a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
# pytest-xdist processes for `make test` (0: none, in this process, e.g. to use a debugger).
PYTEST_WORKERS ?= 2

.PHONY: install vendor messages migrate demo serve prod test lint typecheck test-postgres test-browser ci screenshot format clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Compiled translations are build products: .po files are the source. compilemessages refuses
# to run when it finds no locale folder at all (git keeps no empty folder), and needs msgfmt
# only when there is something to compile.
messages: install
	@if find locale essaim -name '*.po' -not -path '*/.venv/*' 2>/dev/null | grep -q .; then \
		command -v msgfmt >/dev/null || { echo "msgfmt not found: install gettext (apt-get install gettext)" >&2; exit 1; }; \
		$(MANAGE) compilemessages --ignore=.venv --verbosity 0; \
	else \
		echo "messages: no .po file yet, nothing to compile"; \
	fi

# Browser libraries from the npm registry, pinned in package.json + package-lock.json, copied
# into the static files (no CDN: the pages work offline, e.g. the hosts' ticket scanner).
VENDOR := essaim/core/static/vendor
$(VENDOR)/jsqr/jsQR.js: package.json package-lock.json
	command -v npm >/dev/null || { echo "npm not found: apt-get install npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)/jsqr
	cp node_modules/jsqr/dist/jsQR.js $@

# Leaflet and its marker clustering, for the maps (essaim/core/static/core/map.js), with the
# source maps their files name (production's hashed storage fails on a reference it cannot find).
$(VENDOR)/leaflet/leaflet.markercluster.js.map: package.json package-lock.json
	command -v npm >/dev/null || { echo "npm not found: apt-get install npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)/leaflet/images
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map \
		node_modules/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp node_modules/leaflet/dist/images/* $(VENDOR)/leaflet/images/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
		node_modules/leaflet.markercluster/dist/leaflet.markercluster.js.map \
		node_modules/leaflet.markercluster/dist/MarkerCluster.css \
		node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/leaflet/

# axe-core: the accessibility checker the browser tests run on the main pages; served only to
# them (no page links it).
$(VENDOR)/axe-core/axe.min.js: package.json package-lock.json
	command -v npm >/dev/null || { echo "npm not found: apt-get install npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)/axe-core
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE $(VENDOR)/axe-core/

vendor: $(VENDOR)/jsqr/jsQR.js $(VENDOR)/leaflet/leaflet.markercluster.js.map $(VENDOR)/axe-core/axe.min.js

migrate: messages
	$(MANAGE) migrate --noinput

demo: migrate vendor
	$(MANAGE) demo_data
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python scripts/demo.py

serve: migrate vendor
	PORT=$(PORT) $(MANAGE) runserver $(HOST):$(PORT)

# The production stack on this machine: PostgreSQL, Redis, gunicorn workers, task workers.
prod: messages vendor
	PORT=$(PORT) $(BIN)/python scripts/prod.py

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy .

# The whole suite but the browser tests (those need Chromium: `make test-browser`), spread
# over PYTEST_WORKERS processes; worksteal: an idle worker takes tests queued on a busy one.
# With the browser libraries in the static files, as production collects them.
test: messages vendor lint typecheck
	$(BIN)/python -m pytest -m "not browser" -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The same suite on the local PostgreSQL with Redis as cache, as CI runs it.
test-postgres: messages
	bash .ci/run postgres

# Headless Debian Chromium driven by Playwright; no browser download.
test-browser: messages vendor
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) not found: apt-get install chromium" >&2; exit 1; }
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

# Everything CI runs (system packages, SQLite, PostgreSQL + Redis, browser).
ci:
	bash .ci/run

# The README's picture, from a throw-away demo instance (not the working copy's db.sqlite3).
screenshot: messages vendor
	CHROMIUM=$(CHROMIUM) $(BIN)/python scripts/screenshot.py --all

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles test-artifacts node_modules $(VENDOR)
