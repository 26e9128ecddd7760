# Roadmap Tracker. `make run` and `make test` are all a newcomer needs; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
# The npm tools of package.json: the OpenAPI linter, the TypeScript generator and checker.
NODE_INSTALLED := node_modules/.installed
NODE_BIN := node_modules/.bin
# Generated clients (git-ignored); the schema they come from is the committed one.
SCHEMA := docs/openapi.yaml
CLIENTS := var/clients
# Local development runs with DEBUG on unless the environment says otherwise.
DEV := DEBUG=$${DEBUG:-true}

.PHONY: install system-libraries run test lint format schema clients client-test check-deploy fuzz fault-test \
	bench screenshot snapshot messages clean

# Re-installs whenever pyproject.toml changes.
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

# Re-installs whenever package.json or its lock changes; `npm ci` installs the lock exactly.
$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_INSTALLED)

# WeasyPrint (the briefing pack's PDF) renders text with Pango and subsets fonts with HarfBuzz,
# which pip cannot install: the Debian packages, when the libraries are missing, and fonts:
# DejaVu Sans, and Noto Naskh Arabic (fonts-noto-core) for the pack in Arabic.
# gettext's tools extract and compile the translation catalogs (make messages; the catalog tests).
system-libraries:
	@(ldconfig -p | grep -q libpangoft2-1.0 && ldconfig -p | grep -q libharfbuzz-subset \
		&& command -v msgfmt > /dev/null && fc-list -q "Noto Naskh Arabic") || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core \
		fonts-noto-core gettext > /dev/null)

install: system-libraries $(INSTALLED) $(NODE_INSTALLED)

# The task worker (webhook deliveries) runs beside the web server, and stops with it.
run: $(INSTALLED)
	$(DEV) $(MANAGE) migrate --no-input
	$(DEV) $(MANAGE) load_roadmap
	$(DEV) $(MANAGE) create_local_admin
	$(DEV) $(MANAGE) task_worker & worker=$$!; \
	trap 'kill $$worker 2> /dev/null; wait $$worker' EXIT INT TERM; \
	$(DEV) $(MANAGE) runserver 127.0.0.1:8000

# Runs against DATABASE_URL when set (PostgreSQL in CI), else a throwaway SQLite database, in
# one process per core (pytest-xdist; each process has a test database of its own).
PYTEST_WORKERS ?= auto
# The browser tests inject axe-core (an npm package) into the pages they check.
test: system-libraries $(INSTALLED) $(NODE_INSTALLED)
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(INSTALLED) $(NODE_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV) $(MANAGE) makemigrations --check --dry-run
	$(DEV) $(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(NODE_BIN)/redocly lint --format stylish $(SCHEMA)

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Writes the OpenAPI schema that is committed, which clients are generated from;
# tests/test_openapi_contract.py fails when the code's schema differs from it.
schema: $(INSTALLED)
	$(DEV) $(MANAGE) spectacular --validate --fail-on-warn --file $(SCHEMA)

# Generates a Python client (openapi-python-client) and TypeScript types (openapi-typescript)
# from the committed schema into $(CLIENTS); a warning from either fails. openapi-typescript
# runs in its output folder so that it checks the schema with its own rules (not the lint's
# redocly.yaml, which would fail the clients for what make lint reports), and it writes
# nothing but its warnings and errors to stderr.
clients: $(INSTALLED) $(NODE_INSTALLED)
	rm -rf $(CLIENTS) && mkdir -p $(CLIENTS)/typescript
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/openapi-python-client generate --path $(SCHEMA) \
		--meta none --output-path $(CLIENTS)/python/roadmap_client --fail-on-warning \
		--config reliability/openapi-python-client.yaml
	cd $(CLIENTS)/typescript && $(abspath $(NODE_BIN))/openapi-typescript \
		$(abspath $(SCHEMA)) -o schema.d.ts 2> stderr.txt || { cat stderr.txt; exit 1; }
	@if [ -s $(CLIENTS)/typescript/stderr.txt ]; then cat $(CLIENTS)/typescript/stderr.txt; \
		echo "openapi-typescript warned"; exit 1; fi

# The generated clients used as their users would: TypeScript's checker on a file that holds
# the contract in types, and the Python client against gunicorn (reliability/generated_client.py,
# which also runs the README's client recipe as written).
# Both run, and either failing fails.
client-test: clients
	@status=0; \
	$(NODE_BIN)/tsc --noEmit --strict --target es2022 --lib es2022 --module esnext \
		--moduleResolution bundler reliability/generated_types.ts || status=1; \
	cd reliability && ../$(BIN)/python generated_client.py || status=1; \
	exit $$status

# The production settings, as an operator would set them, must pass Django's deployment checks.
check-deploy: $(INSTALLED)
	DEBUG=false ALLOWED_HOSTS=roadmap.example.org \
	SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	$(MANAGE) check --deploy --fail-level WARNING

# Writes the dated snapshot for warehouses (a Frictionless Data Package, as GET
# /api/v1/snapshot/ serves it) into var/snapshot/: today's, or AS_OF=YYYY-MM-DD's.
snapshot: $(INSTALLED)
	$(DEV) $(MANAGE) snapshot --output var/snapshot $(if $(AS_OF),--as-of $(AS_OF))

# Fuzzes the API from its OpenAPI schema (schemathesis) against gunicorn on PostgreSQL.
fuzz: $(INSTALLED)
	cd reliability && ../$(BIN)/python fuzz.py

# Stops and restarts the local PostgreSQL under load: run it on a machine of your own.
fault-test: $(INSTALLED)
	cd reliability && ../$(BIN)/python pg_restart.py

# The benchmark: the API against a hand-written baseline at 1k and 10k commitments (10k and 1M
# status updates) on the local PostgreSQL and Redis, loaded by wrk, warm (response cache on)
# and cold, read anonymously and with a token, in two gunicorn configurations (sync and gthread);
# the dashboard in Chromium; writes docs/performance.md. About 25 minutes. A quick look:
# make bench BENCH_ARGS="--sizes S --duration 1 --no-write" (CI adds --configs gthread)
bench: $(INSTALLED)
	@command -v wrk > /dev/null || (apt-get update -qq && apt-get install -y -qq wrk > /dev/null)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Redraws docs/dashboard.png from the illustrative history in tests/scenario.py.
screenshot: $(INSTALLED)
	$(BIN)/pytest -m screenshot tests/test_dashboard.py tests/test_briefing_documents.py

# Extracts every marked string into the catalogs of each language (locale/), keeping their
# translations, then compiles them (README: adding a language).
MESSAGES_IGNORE := --ignore=node_modules --ignore=tests --ignore=bench --ignore=reliability \
	--ignore=docs --ignore=var
# --no-obsolete: a string gone from the code leaves the catalogs (tests/test_translations.py
# allows no obsolete entry).
messages: system-libraries $(INSTALLED)
	$(DEV) $(MANAGE) makemessages --all --add-location=file --no-obsolete $(MESSAGES_IGNORE)
	$(DEV) $(MANAGE) makemessages --all --add-location=file --no-obsolete -d djangojs $(MESSAGES_IGNORE) --ignore=static/vendor
	$(DEV) $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules $(CLIENTS) .pytest_cache .ruff_cache *.egg-info
