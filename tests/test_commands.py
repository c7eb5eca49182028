"""The stable command-line interfaces, run as a script would run them: real processes, exit codes, output."""
import csv
import io
import json
import os
import subprocess
import sys
from datetime import date

import pytest
from django.core.management import get_commands, load_command_class

from people.roles import Role
from registry.models import Enrollment, EnrollmentImport
from tests import factories as f
from tests.conftest import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_office_names_it_from_the_region_table(run_command):
    assert run_command("create_office", "5371")[:2] == (0, "5371 Kota Kupang\n")
    assert run_command("create_office", "3603")[:2] == (0, "3603 Kabupaten Tangerang\n")
    assert run_command("create_office", "3603", "--name", "ignored, it exists")[:2] == (0, "3603 Kabupaten Tangerang\n")
    code, out, err = run_command("create_office", "53a1")
    assert code != 0 and "4" in err and "Traceback" not in err


def test_a_morning_at_the_office_from_the_shell(run_command, tmp_path):
    assert run_command("create_office", "5371")[0] == 0
    rows = [f.row(date(2018, 2, day)) for day in (5, 1, 3, 2, 4)] + [f.row("2018-02-06", jenis_kelamin="X")]
    path = f.siak_file(tmp_path / "siak.csv", rows)
    code, out, err = run_command("import_enrollments", path, "--office", "5371")
    assert code == 1, err
    assert "siak.csv.rejected.csv" in out
    code, out, err = run_command("receive_blanks", "--office", "5371", "--quantity", "3", "--reference", "470/512/2018")
    assert code == 0, err
    assert run_command("build_print_queue", "--office", "5371")[0] == 0
    code, out, err = run_command("export_queue", "--office", "5371")
    assert code == 0, err
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[0] == ["position", "nik", "nama", "tanggal_rekam"]
    assert [(line[0], line[3]) for line in lines[1:]] == [("1", "2018-02-01"), ("2", "2018-02-02"), ("3", "2018-02-03")]
    code, out, err = run_command("stock_report", "--office", "5371", "--json")
    report = json.loads(out)
    expected = {"on_hand": 3, "reserved": 3, "available": 0, "received": 3, "printed": 0, "spoiled": 0, "adjusted": 0,
                "recorded": 2, "queued": 3, "ready_for_pickup": 0, "collected": 0, "on_hold": 0}
    assert {key: report[key] for key in expected} == expected
    code, out, err = run_command("stock_report", "--office", "5371")
    assert "available" in out and code == 0
    assert run_command("check_ledger")[:2] == (0, "ok 5371\n")


@pytest.mark.parametrize(
    "args, words",
    [
        (("import_enrollments", "/no/such/file.csv", "--office", "5371"), "file.csv"),
        (("receive_blanks", "--office", "5371", "--quantity", "0", "--reference", "R"), "nol"),
        (("receive_blanks", "--office", "5371", "--quantity", "lima", "--reference", "R"), "lima"),
        (("stock_report", "--office", "3603"), "3603"),
    ],
)
def test_bad_input_gets_a_sentence_not_a_traceback(run_command, args, words):
    run_command("create_office", "5371")
    code, out, err = run_command(*args)
    assert code != 0
    assert words in err
    assert "Traceback" not in err


# Every command that takes --office, with what else it needs to get past its arguments.
OFFICE_COMMANDS = {
    "import_enrollments": ["{file}"],
    "receive_blanks": ["--quantity", "5", "--reference", "470/512/2018"],
    "build_print_queue": [],
    "export_queue": [],
    "stock_report": ["--json"],
    "check_ledger": [],
}


def test_every_command_that_takes_an_office_is_tried_with_an_unknown_one():
    found = set()
    for name, app in get_commands().items():
        if app.startswith("django.") or app == "tools":
            continue  # Django's own; the benchmark tools, whose --office names an office of their own bench database
        parser = load_command_class(app, name).create_parser("manage.py", name)
        if "--office" in parser._option_string_actions:
            found.add(name)
    assert found == set(OFFICE_COMMANDS)


@pytest.mark.parametrize("command", sorted(OFFICE_COMMANDS))
def test_an_unknown_office_code_exits_2_with_one_sentence(run_command, tmp_path, command):
    """A typo in a script's --office is a usage error, never a silent success nor a traceback."""
    run_command("create_office", "5371")
    # A good file, so that the exit code can only come from the office.
    path = f.siak_file(tmp_path / "siak.csv", [f.row(date(2018, 2, 1))])
    args = [arg.format(file=path) for arg in OFFICE_COMMANDS[command]]
    code, out, err = run_command(command, *args, "--office", "9999")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "Tidak ada dinas dengan kode wilayah 9999" in err
    assert "Traceback" not in err


def test_an_unusable_file_exits_2(run_command, tmp_path):
    run_command("create_office", "5371")
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xd8\xff\xe0 not a csv")
    code, out, err = run_command("import_enrollments", str(path), "--office", "5371")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_import_records_who_ran_it_the_user_of_by_or_else_the_system_user(run_command, tmp_path, kupang):
    clerk = f.user(kupang, Role.CLERK, username="maria.bessie")
    named = f.siak_file(tmp_path / "siak-maret.csv", [f.row("2018-03-01"), f.row("2018-03-02")])
    assert run_command("import_enrollments", named, "--office", "5371", "--by", "maria.bessie")[0] == 0
    scripted = f.siak_file(tmp_path / "siak-april.csv", [f.row("2018-04-01")])
    assert run_command("import_enrollments", scripted, "--office", "5371")[0] == 0
    runs = {run.file_name: run for run in EnrollmentImport.objects.select_related("by")}
    assert (runs["siak-maret.csv"].by, runs["siak-maret.csv"].imported) == (clerk, 2)
    assert (runs["siak-april.csv"].by.username, runs["siak-april.csv"].imported) == ("sistem", 1)
    sources = {e.enrolled_on.isoformat(): e.source.file_name for e in Enrollment.objects.select_related("source")}
    assert sources == {"2018-03-01": "siak-maret.csv", "2018-03-02": "siak-maret.csv", "2018-04-01": "siak-april.csv"}
    code, out, err = run_command("import_enrollments", scripted, "--office", "5371", "--by", "nobody")
    assert code != 0 and "nobody" in err and "Traceback" not in err


def test_seed_demo_makes_two_offices_demo_users_and_a_built_queue(run_command):
    code, out, err = run_command("seed_demo", "--enrollments", "300")
    assert code == 0, err
    for code_ in ("5371", "3603"):
        report = json.loads(run_command("stock_report", "--office", code_, "--json")[1])
        assert report["received"] > 0 and report["printed"] > 0 and report["collected"] > 0 and report["on_hold"] > 0
    assert run_command("check_ledger")[0] == 0
    # Every demo resident can find their card: the files carry a mother's name.
    assert Enrollment.objects.exists() and not Enrollment.objects.filter(mother_name="").exists()
    # Running it again changes nothing.
    before = run_command("stock_report", "--office", "5371", "--json")[1]
    assert run_command("seed_demo", "--enrollments", "300")[0] == 0
    assert run_command("stock_report", "--office", "5371", "--json")[1] == before


def test_export_queue_into_a_reader_that_stops_early_ends_quietly(run_command, tmp_path):
    """`export_queue ... | head`: the reader closes the pipe; the command stops without a traceback."""
    assert run_command("create_office", "5371")[0] == 0
    path = f.siak_file(tmp_path / "siak.csv", [f.row(date(2018, 2, day)) for day in (1, 2)])
    assert run_command("import_enrollments", path, "--office", "5371")[0] == 0
    assert run_command("receive_blanks", "--office", "5371", "--quantity", "2", "--reference", "R1")[0] == 0
    env = {**os.environ, "DATABASE_URL": database_url()}
    child = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "export_queue", "--office", "5371"], env=env,
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # closed before the command writes: its first write finds no reader
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 1
    assert err == ""


def test_seed_demo_refuses_to_run_in_production(run_command, tmp_path):
    code, out, err = run_command("seed_demo", "--enrollments", "10", env={"DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert code == 2 and "DEBUG=1" in err and err.count("\n") == 1
    assert run_command("check_ledger")[1] == ""  # nothing was made: no office to check


def test_the_login_page_lists_demo_users_only_on_the_demo_setup(client, settings):
    from people.roles import Role
    from registry.models import User

    User.objects.create_user("petugas.5371", password="x", role=Role.CLERK, is_demo=True)
    assert "petugas.5371" in client.get("/masuk/").content.decode()
    settings.DEMO = False
    assert "petugas.5371" not in client.get("/masuk/").content.decode()
