# 小微外勤: `make run` sets everything up and serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
FLASK := FLASK_APP=webapp $(VENV)/bin/flask
PYBABEL := $(VENV)/bin/pybabel
MO := webapp/translations/zh/LC_MESSAGES/messages.mo
PO := webapp/translations/zh/LC_MESSAGES/messages.po

.PHONY: run test lint test-pg translations extract-messages fonts db seed bench seed-large bench-review bench-meetings

$(VENV)/.runtime: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(MO): $(PO) $(VENV)/.runtime
	$(PYBABEL) -q compile --use-fuzzy -d webapp/translations

translations: $(MO)

# The watermark font (Debian's fonts-wqy-microhei); installed when we may, reported when we may not.
fonts:
	@test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      (apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null)); \
	    else echo "note: install fonts-wqy-microhei for Chinese watermarks (sudo apt-get install fonts-wqy-microhei)"; fi; }

db: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) push keys

run: fonts db
	FLASK_SESSION_COOKIE_SECURE=false $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Lint and type check: seconds, so they run first and a slip is reported before the long suites start.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Both passes run even when one fails, so one CI run reports on both databases. They run at once (the PostgreSQL
# pass in the background, its report printed after the SQLite pass's): each is one Python process, and a machine
# of two cores finishes both in about the time of the longer one. TEST_SERIAL=1 runs them one after the other.
test: lint $(VENV)/.dev translations fonts
	@status=0; pg_pid=""; pg_log=$$(mktemp /tmp/xw-test-postgres.XXXXXX); \
	if [ -n "$$TEST_DATABASE_URL" ] && [ -z "$$TEST_SERIAL" ]; then \
	  echo "== database tests on PostgreSQL: started in the background, reported after the SQLite pass =="; \
	  XW_DATABASE_TESTS_ONLY=1 $(VENV)/bin/python -m pytest -p no:cacheprovider -m "not browser" $(PYTEST_ARGS) \
	    > "$$pg_log" 2>&1 & pg_pid=$$!; \
	fi; \
	echo "== whole suite on SQLite, browser tests included =="; \
	DB_BACKEND=sqlite $(VENV)/bin/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ -n "$$pg_pid" ]; then \
	  wait $$pg_pid || status=$$?; \
	  echo "== database tests again on PostgreSQL =="; \
	  cat "$$pg_log"; \
	elif [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== database tests again on PostgreSQL =="; \
	  XW_DATABASE_TESTS_ONLY=1 $(VENV)/bin/python -m pytest -m "not browser" $(PYTEST_ARGS) || status=$$?; \
	fi; \
	rm -f "$$pg_log"; \
	exit $$status

extract-messages: $(VENV)/.runtime
	$(PYBABEL) -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o webapp/translations/messages.pot .
	$(PYBABEL) -q update -i webapp/translations/messages.pot -d webapp/translations -l zh --no-fuzzy-matching

# The review queue at scale (README, "Review at scale"): two throwaway SQLite files, never the demo database.
BENCH_SMALL ?= sqlite:///instance/bench-10k.sqlite3
BENCH_LARGE ?= sqlite:///instance/bench-1m.sqlite3
seed-large: $(VENV)/.runtime
	@now=$$(date -u +%Y-%m-%dT%H:%M:%S+00:00); \
	$(VENV)/bin/python scripts/seed_large.py --database $(BENCH_SMALL) --visits 10000 --now $$now --replace && \
	$(VENV)/bin/python scripts/seed_large.py --database $(BENCH_LARGE) --visits 1000000 --now $$now --replace

bench-review: $(VENV)/.runtime
	$(VENV)/bin/python bench/review_queue.py --small $(BENCH_SMALL) --large $(BENCH_LARGE)

# The meeting boards at scale (README, "Meetings and metrics"): the same two databases as bench-review.
bench-meetings: $(VENV)/.runtime
	$(VENV)/bin/python bench/meeting_boards.py --small $(BENCH_SMALL) --large $(BENCH_LARGE)

.PHONY: test-fuzz

# The property-based tests with a larger budget and new examples every run (make test runs a small fixed set;
# FUZZ_EXAMPLES=N make test raises it there too). A failure prints the seed and the example that reproduce it.
FUZZ_EXAMPLES ?= 200
test-fuzz: $(VENV)/.dev translations
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=random DB_BACKEND=sqlite $(VENV)/bin/python -m pytest tests/test_fuzz_routes.py tests/test_fuzz_api.py $(PYTEST_ARGS)

.PHONY: test-offline-full bench-sync

# The offline tests at full size: the soak with three days of a manager's work (200 visits, 600 photos) queued
# on the phone, then sent through a network that drops in and out, and saving while photos are prepared on a
# slow phone 20 times. (CI runs the soak with 20 visits and the saves 6 times.)
test-offline-full: $(VENV)/.dev translations
	OFFLINE_SOAK_VISITS=200 OUTBOX_SAVE_TRIES=20 DB_BACKEND=sqlite $(VENV)/bin/python -m pytest \
	  tests/browser/test_offline_*.py tests/browser/test_outbox_*.py tests/test_sync_server.py $(PYTEST_ARGS)

# Bytes on the wire for a visit with three 12 MP photos, and the time to drain a 200-visit queue (prints both).
bench-sync: $(VENV)/.dev translations
	$(VENV)/bin/python bench/sync_wire.py

.PHONY: bench-postloan
# The post-loan book at scale (README, "Post-loan management"): throwaway SQLite files under instance/, never the demo's.
bench-postloan: $(VENV)/.runtime
	$(VENV)/bin/python bench/postloan_book.py

.PHONY: serve backup restore bench-load

# The production stack on this machine without containers (deploy/stack.py): nginx on $(SERVE_PORT) ->
# gunicorn (gthread) with Redis, SeaweedFS as the S3 photo store and the metrics exporter; the database is
# DATABASE_URL or instance/stack/fieldwork.sqlite3. Needs nginx and redis-server (Debian); Ctrl-C stops all.
SERVE_PORT ?= 8080
serve: $(VENV)/.dev translations fonts
	$(VENV)/bin/python -m deploy.stack serve --port $(SERVE_PORT)

# A consistent backup of the database and the photo store into $(BACKUP_DIR); `make restore FROM=folder`
# puts one into an empty installation (README, "Backups").
BACKUP_DIR ?= instance/backups
backup: $(VENV)/.runtime
	$(FLASK) backup create $(BACKUP_DIR)

restore: $(VENV)/.runtime
	@test -n "$(FROM)" || { echo "usage: make restore FROM=instance/backups/xiaowei-backup-..."; exit 2; }
	$(FLASK) backup restore $(FROM)

# The load benchmark (bench/load_serving.py, Locust headless) against the production stack; figures on both
# databases with BENCH_DATABASE_URL set to an empty PostgreSQL database. Not part of `make test`.
bench-load: $(VENV)/.dev translations fonts
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(VENV)/bin/python bench/load_serving.py $(BENCH_ARGS)

.PHONY: eval-reuse eval-copies bench-reuse

# The integrity evaluations at full size (CI runs them small: tests/test_integrity_evaluations.py).
eval-reuse: $(VENV)/.dev translations
	$(VENV)/bin/python scripts/eval_photo_reuse.py

eval-copies: $(VENV)/.dev translations
	$(VENV)/bin/python scripts/eval_report_copies.py

# The reuse search against a million stored photos: a throwaway SQLite file, and PostgreSQL when BENCH_REUSE_PG
# names a throwaway database (e.g. postgresql://postgres@127.0.0.1:55432/xw_bench_reuse). Seeds once, then times.
BENCH_REUSE_SQLITE ?= sqlite:///instance/bench-reuse-1m.sqlite3
bench-reuse: $(VENV)/.dev translations
	$(VENV)/bin/python bench/reuse_search.py --database $(BENCH_REUSE_SQLITE)
	@if [ -n "$$BENCH_REUSE_PG" ]; then $(VENV)/bin/python bench/reuse_search.py --database "$$BENCH_REUSE_PG"; fi

.PHONY: bench-pages

# Fast on the wire (README, "Fast on the wire"): bytes of the visit form's first and repeat visits, and Lighthouse's
# mobile scores of Today, the merchant list, the visit form and the review queue. Lighthouse and the Node it runs on
# come from npm, pinned in bench/package.json.
bench-pages: $(VENV)/.dev translations
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	$(VENV)/bin/python bench/page_weight.py
