# Two commands: `make run` (install everything, demo data, serve) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PEOPLE ?= 100000
DEMO_PEOPLE ?= 3000
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export PIP_DISABLE_PIP_VERSION_CHECK=1

OIDC_DIR := tests/oidc

.PHONY: axe run test test-sqlite test-postgres fuzz system system-test venv venv-dev bench lint mypy mutation security clean worker translations

run: system venv
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty --people $(DEMO_PEOPLE)
	@$(FLASK) demo accounts
	@echo "Serving on http://127.0.0.1:5000  (Ctrl+C to stop)"
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:5000} $(FLASK) run --host 127.0.0.1 --port 5000

system:
	@bash scripts/system-deps.sh

system-test:
	@bash scripts/system-deps.sh test

$(VENV)/.stamp-runtime: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt $(VENV)/.stamp-runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.stamp-runtime
venv-dev: $(VENV)/.stamp-dev $(OIDC_DIR)/node_modules/.stamp

# the real OpenID provider of the SSO tests (oidc-provider from npm, pinned by package-lock.json)
$(OIDC_DIR)/node_modules/.stamp: $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	cd $(OIDC_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: system-test venv-dev axe
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory mypy
	$(MAKE) --no-print-directory test-sqlite
	@if $(PY) scripts/pg-available.py >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable: the PostgreSQL run was skipped (set TEST_DATABASE_URL)"; fi
	@# bandit runs inside the suite (tests/security/test_operations.py); pip-audit --strict here: a finding
	@# fails `make test`, an unreachable vulnerability database is printed as SKIPPED (SECURITY_STRICT=1 fails it)
	SECURITY_CHECKS=pip-audit bash scripts/security-checks.sh

# axe-core (pinned in tests/e2e/axe/package-lock.json) for the accessibility checks of the browser
# journeys; without npm the journeys fail with a message saying so
axe:
	@if command -v npm >/dev/null 2>&1; then \
		[ tests/e2e/axe/node_modules/.package-lock.json -nt tests/e2e/axe/package-lock.json ] || npm ci --prefix tests/e2e/axe --no-audit --no-fund --silent; \
	else echo "npm not found: axe-core not installed (the browser journeys' accessibility checks need it)"; fi

# speed: each xdist worker imports the whole app and every test module; with bytecode writes turned
# off (PYTHONDONTWRITEBYTECODE) that is ~8 s of compiling per worker per run. The suite keeps its
# bytecode (and pytest's rewritten test modules) in .pycache/, outside the source tree.
PYTEST_ENV := -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/.pycache

test-sqlite: venv-dev
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(PYTEST_ENV) $(PY) -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

test-postgres: venv-dev
	@echo "== test suite on PostgreSQL =="
	env $(PYTEST_ENV) TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_URL)} $(PY) -m pytest -n 2 --dist loadfile -q -m "not e2e" $(PYTEST_ARGS)

# nightly: the full fuzzing depth of SECURITY.md (200 examples for every API operation and every form, no
# time box; `make test` time-boxes it and rotates the full depth over the targets by date). Prints the
# examples each target got; on SQLite, then on PostgreSQL when one answers. ~20-30 min on two cores.
FUZZ_TESTS := tests/security/test_fuzz.py tests/archive/exchange/test_openapi.py::test_generated_requests_never_get_a_server_error
fuzz: venv-dev
	@echo "== full-depth fuzzing on SQLite =="
	env -u TEST_DATABASE_URL FUZZ_FULL=1 nice -n 10 $(PY) -m pytest -p no:xdist -p no:cacheprovider -q -s $(FUZZ_TESTS) $(PYTEST_ARGS)
	@if $(PY) scripts/pg-available.py >/dev/null 2>&1; then \
		echo "== full-depth fuzzing on PostgreSQL =="; \
		TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_URL)} FUZZ_FULL=1 nice -n 10 $(PY) -m pytest -p no:xdist -p no:cacheprovider -q -s $(FUZZ_TESTS) $(PYTEST_ARGS); \
	else echo "PostgreSQL not reachable: the PostgreSQL fuzzing run was skipped (set TEST_DATABASE_URL)"; fi

lint: venv-dev
	$(PY) -m ruff check .

# zero errors: plain on the packages, strict on the clock, the working-day calendar, the registry, the
# unit of work and the rules (archive/rules, training/rules); config in pyproject.toml
mypy: venv-dev
	$(PY) -m mypy

# mutation testing of the rules (archive/rules, training/rules) against their table-driven tests;
# CPU heavy (nice, MUTATION_JOBS processes); prints the kill rate. MUTATION_MIN=90 makes it a gate.
MUTATION_JOBS ?= 2
mutation: venv-dev
	rm -rf mutants
	-nice -n 15 $(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS)
	$(VENV)/bin/mutmut export-cicd-stats
	$(PY) scripts/mutation-score.py

security: venv-dev
	bash scripts/security-checks.sh

bench: system venv-dev
	@bash scripts/system-deps.sh bench
	$(PY) bench/run.py --people $(PEOPLE)

worker: venv
	$(FLASK) worker

# extract (templates/_macros too: pybabel skips "_*" folders unless --ignore-dirs is given), add the
# runtime msgids (LabelledEnum labels, see translations/README.md), merge into the English catalog, compile.
translations: venv-dev
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=".* __pycache__" -o translations/messages.pot --omit-header --no-location --sort-output core archive training templates
	$(PY) translations/add_enum_labels.py translations/messages.pot
	@test -f translations/en/LC_MESSAGES/messages.po || $(VENV)/bin/pybabel init -i translations/messages.pot -d translations -l en
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d translations

clean:
	rm -rf instance/integrity.db instance/uploads instance/jobs instance/audit-witness.log .pycache
