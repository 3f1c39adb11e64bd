# The two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations browser redis bandit clean constraints bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Exact versions from constraints.txt; setup.cfg states the compatible ranges.
$(VENV)/.installed: $(BIN)/python setup.cfg setup.py pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,server,postgresql]'
	touch $@

# Refresh constraints.txt from a clean virtualenv after changing setup.cfg's ranges.
constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install --quiet --upgrade pip setuptools wheel
	.venv-constraints/bin/pip install --quiet '.[test,server,postgresql,bench]'
	{ sed -n '1,2p' constraints.txt; .venv-constraints/bin/pip freeze --all --exclude projectunion --exclude pip; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-constraints

bench: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[bench]'

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -f -d projectunion/translations >/dev/null

run: $(VENV)/.installed translations
	$(BIN)/projectunion db upgrade
	$(BIN)/projectunion demo --if-empty
	$(BIN)/projectunion run --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium; install it when missing (root on CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium and fonts-noto-cjk for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || echo "chromium could not be installed: browser tests will be skipped"; }

# The multi-process rate-limit test needs Redis on 127.0.0.1:6379; start Debian's redis-server when missing.
redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  command -v redis-server >/dev/null 2>&1 || { echo "Installing Debian redis-server for the rate-limit test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
	    || echo "redis-server could not be installed: the multi-process rate-limit test will be skipped"; }; \
	  command -v redis-server >/dev/null 2>&1 && redis-server --daemonize yes --port 6379 --bind 127.0.0.1 >/dev/null; \
	  for _ in 1 2 3 4 5 6 7 8 9 10; do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done; true; }

# Security lint: no finding of medium severity or higher; an accepted one carries `# nosec BXXX # why`.
bandit: $(VENV)/.installed
	$(BIN)/bandit -q -r projectunion -ll

test: $(VENV)/.installed translations browser redis
	$(BIN)/ruff check projectunion tests migrations bench
	$(BIN)/ruff format --check projectunion tests migrations bench
	$(BIN)/bandit -q -r projectunion -ll
	$(BIN)/projectunion --help >/dev/null
	$(BIN)/pytest -q
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== again on PostgreSQL ($(PG_URL)) =="; \
	  TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q; \
	else echo "PostgreSQL is not answering on 127.0.0.1:5432: skipped the PostgreSQL run"; fi

lint: $(VENV)/.installed
	$(BIN)/ruff check projectunion tests migrations bench
	$(BIN)/ruff format --check projectunion tests migrations bench

clean:
	rm -rf $(VENV) build *.egg-info
