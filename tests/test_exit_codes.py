"""Honest exit codes: with the database out of reach, or lost mid-command, every stable command says so in one sentence."""
import os
import subprocess
import sys
import time
from datetime import date

import pytest
from django.core.management import get_commands, load_command_class
from django.db import connection

from common.cli import EXIT_DATABASE, ScriptCommand
from registry.demo import write_demo_csv
from registry.models import Enrollment
from tests import factories as f
from tests.conftest import ROOT, database_url

# Every stable command (README, "Command line"), with arguments that get it past its parser.
STABLE_COMMANDS = {
    "create_office": ["5371"],
    "import_enrollments": ["{file}", "--office", "5371"],
    "receive_blanks": ["--office", "5371", "--quantity", "5", "--reference", "470/512/2018"],
    "build_print_queue": [],
    "export_queue": ["--office", "5371"],
    "stock_report": ["--office", "5371", "--json"],
    "check_ledger": [],
    "seed_demo": ["--enrollments", "10"],
}
NOTHING_LISTENS = "postgres://postgres:postgres@127.0.0.1:1/nothing"


def run_with_database(url, *args):
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_every_project_command_but_the_development_tools_is_a_stable_one():
    """A new command must join the list (and so this file's outage test), and get the one way of failing."""
    project = ("registry", "inventory", "printing", "backlog", "desks", "public")
    ours = {name for name, app in get_commands().items() if app.split(".")[0] in project}
    assert ours == set(STABLE_COMMANDS)
    for name in STABLE_COMMANDS:
        assert isinstance(load_command_class(get_commands()[name], name), ScriptCommand), name


@pytest.mark.parametrize("url", [NOTHING_LISTENS, "sqlite:////nonexistent-folder/db.sqlite3"], ids=["postgres", "sqlite"])
@pytest.mark.parametrize("command", sorted(STABLE_COMMANDS))
def test_with_the_database_out_of_reach_every_command_exits_3_with_one_sentence(tmp_path, command, url):
    path = f.siak_file(tmp_path / "siak.csv", [f.row(date(2018, 2, 1))])
    args = [arg.format(file=path) for arg in STABLE_COMMANDS[command]]
    code, out, err = run_with_database(url, command, *args)
    assert code == EXIT_DATABASE == 3
    assert err.count("\n") == 1 and err.endswith("\n")
    assert err.startswith("Basis data tidak dapat dihubungi atau sambungannya terputus (")
    assert "Traceback" not in err
    assert not (tmp_path / "siak.csv.rejected.csv").exists()


def test_traceback_still_shows_one_for_whoever_asks(tmp_path):
    code, out, err = run_with_database(NOTHING_LISTENS, "check_ledger", "--traceback")
    assert code == 1 and "Traceback" in err


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_going_away_mid_import_exits_3_and_keeps_nothing(tmp_path):
    """The server ends the import's connection while rows stream in (as a restart would): one sentence, nothing kept."""
    f.office("5371")
    path = str(write_demo_csv(tmp_path / "siak.csv", "5371", 200_000))
    env = {**os.environ, "DATABASE_URL": database_url()}
    child = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "import_enrollments", path, "--office", "5371"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    ended = False
    with connection.cursor() as cursor:
        while not ended and time.monotonic() < deadline and child.poll() is None:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND query ILIKE 'COPY%%'"
            )
            ended = bool(cursor.fetchall())
            time.sleep(0.01)
    out, err = child.communicate(timeout=60)
    assert ended, "the import finished before its connection could be ended"
    assert child.returncode == EXIT_DATABASE, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "Basis data tidak dapat dihubungi" in err
    assert not Enrollment.objects.exists()
    assert not list(tmp_path.glob("siak.csv.rejected.csv*"))
