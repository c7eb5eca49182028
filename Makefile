# Two commands for a newcomer: `make run` and `make test`. Both build .venv from pyproject.toml.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-pages bench-migrations bench-offices loadtest migrate messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# The dependencies (and dev tools) only, not the project itself: the code runs from this folder, and an
	@# installed project would put an import hook into every Python start (14 ms per command here).
	$(BIN)/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' > $(VENV)/requirements.txt
	$(BIN)/pip install --quiet -r $(VENV)/requirements.txt
	touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo
	@echo "Open http://127.0.0.1:8000 and log in with a demo user (password ektp-demo)."
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python manage.py bench $(BENCH_ARGS)

# Every office page and every public page in an office of 100,000 and one of 5,000,000 enrollments (PostgreSQL).
bench-pages: $(STAMP)
	$(BIN)/python manage.py bench_pages $(BENCH_ARGS)

# Locust is in its own optional group (pyproject.toml "load"), installed only here, never by make test.
$(VENV)/.installed-load: $(STAMP)
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["load"]))' > $(VENV)/requirements-load.txt
	$(BIN)/pip install --quiet -r $(VENV)/requirements-load.txt
	touch $@

# gunicorn behind the shipped proxy on the database make bench-pages BENCH_ARGS=--keep kept, driven by Locust.
loadtest: $(VENV)/.installed-load
	$(BIN)/python manage.py loadtest $(LOAD_ARGS)

# Each migration since the last release on an office of 5,000,000 records, with desk writes beside it (PostgreSQL).
bench-migrations: $(STAMP)
	$(BIN)/python manage.py bench_migrations $(BENCH_ARGS)

# One office's pages alone, then among 100 offices (99 more of 20,000 enrollments each) (PostgreSQL).
bench-offices: $(STAMP)
	$(BIN)/python manage.py bench_offices $(BENCH_ARGS)

# Refresh locale/id after changing user-facing strings: extract (needs GNU gettext's xgettext),
# merge locale/id/pending/*.json, compile. The .po and .mo are committed.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l id --no-location --ignore '.venv/*' --ignore 'tests/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py merge_translations

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
