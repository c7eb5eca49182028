"""Test setup: the real database (SQLite locally, PostgreSQL in CI), tasks in-process unless a test says otherwise."""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation

from config.celery import app as celery_app
from people.roles import Role
from tests import factories

ROOT = Path(__file__).resolve().parent.parent

# Tasks run in the test's own process unless a test asks for the real worker.
celery_app.conf.task_always_eager = True


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if os.environ.get("CI") and not on_postgres:
        raise pytest.UsageError("CI runs the suite on PostgreSQL: set DATABASE_URL")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def run_command():
    """Run a management command in a child process, as a clerk's shell would: (exit code, stdout, stderr)."""

    def run(*args, stdin=None, env=None):
        env = {**os.environ, "DATABASE_URL": database_url(), **(env or {})}
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, input=stdin, timeout=300)
        return done.returncode, done.stdout, done.stderr

    return run


def database_url() -> str:
    """The URL of the database the tests use (the test database, not the configured one)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def office_language():
    """Each test starts in the office's language, as a command or a fresh request does."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def ledger_is_clean(request, flushable_movements):
    """After every scenario that touched the database, check_ledger finds nothing wrong (before the movements go)."""
    yield
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if uses_db and not request.node.get_closest_marker("breaks_ledger"):
        call_command("check_ledger", stdout=open(os.devnull, "w"))


@pytest.fixture(scope="session")
def workers(django_db_setup):
    """Six processes on the test database, started once for all the race tests (PostgreSQL): tests.parallel.Workers."""
    from tests.parallel import Workers

    pool = Workers(database_url(), size=6)
    yield pool
    pool.stop()


@pytest.fixture
def worker_away(monkeypatch):
    """No worker runs the work the services ask for (a build after a receipt or an import): the list of what was asked."""
    asked = []
    monkeypatch.setattr("backlog.work.send", lambda *args: asked.append(args))
    return asked


@pytest.fixture(autouse=True)
def flushable_movements(request):
    """After a test that committed (transaction=True, a live server), empty the movements for the flush that follows.

    Django's flush empties SQLite tables with DELETE, which the trigger of migration 0007 refuses
    (PostgreSQL's TRUNCATE fires no row trigger). The trigger is lifted for this one statement only.
    """
    yield
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    migration = importlib.import_module("inventory.migrations.0007_sqlite_movement_history")
    # A stock count refers to its movement; the flush empties that table next.
    with connection.constraint_checks_disabled(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER blank_movement_never_deleted")
        cursor.execute("DELETE FROM inventory_blankmovement")
        cursor.execute(migration.SQLITE_FORWARD[1])


# The people of two offices (healthchecks' alice, bob and charlie): a clerk, the
# stock keeper and the head of Kota Kupang, and a clerk of Kabupaten Tangerang.
@pytest.fixture
def kupang():
    return factories.office("5371")


@pytest.fixture
def tangerang():
    return factories.office("3603")


@pytest.fixture
def clerk(kupang):
    return factories.user(kupang, Role.CLERK)


@pytest.fixture
def keeper(kupang):
    return factories.user(kupang, Role.STOCK_KEEPER)


@pytest.fixture
def head(kupang):
    return factories.user(kupang, Role.HEAD)


@pytest.fixture
def outsider(tangerang):
    """A clerk of Kabupaten Tangerang."""
    return factories.user(tangerang, Role.CLERK)
