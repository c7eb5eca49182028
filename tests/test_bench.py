"""`make bench` at a tiny size: it runs every step against its own database, prints the table, and cleans up."""
import os

import psycopg2
import pytest
from django.conf import settings

pytestmark = pytest.mark.postgres


def test_the_bench_prints_every_step_beside_its_raw_limit_and_the_desks_beside_the_big_jobs_and_drops_its_database(run_command):
    db = settings.DATABASES["default"]
    name = f"ektp_bench_test_{os.getpid()}"
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"

    code, out, err = run_command("bench", "--enrollments", "2000", "--queue", "500", "--export", "500", "--desk-runs", "1",
                                 "--database-url", url)

    assert code == 0, err
    assert out.startswith("machine: ")
    assert "| step" in out and "| raw limit (same run)" in out and "| peak memory" in out
    for step in ("import_enrollments, 2,000 rows", "build_print_queue, 500 jobs", "stock_report at 2,200 enrollments",
                 "export_queue, 500 rows", "import_enrollments, 2,000 rows from a SIAK .xlsx"):
        assert step in out
    assert "reading and checking the 2,000 rows alone" in out
    assert "bare COPY" in out and "bare SQL" in out and "COPY TO STDOUT" in out and "grouped COUNT" in out
    assert "build_print_queue, 500 more jobs in one batch" in out
    assert "| desk actions every 100 ms, median of 1 runs, beside" in out and "| lock wait p50 / p99" in out
    desk_rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ") and "p99 < 500 ms" in line}
    assert set(desk_rows) == {"import_enrollments, 2,000 rows (rolled back)", "build_print_queue, 500 jobs"}
    assert "| nothing else (idle)" in out
    for phase in ("idle", "import", "build"):
        assert f"desks beside {phase}, run 1 (" in out
    assert "desk error" not in out
    assert "check_ledger (exit 0): ok 3603 | ok 5371" in out
    with psycopg2.connect(dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
            assert cursor.fetchone()[0] == 0


def test_the_migration_bench_times_each_migration_with_a_desk_writing_beside_it_and_drops_its_database(run_command):
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/ektp_bench_test_{os.getpid()}"

    code, out, err = run_command("bench_migrations", "--enrollments", "3000", "--database-url", url)

    assert code == 0, err
    assert out.startswith("machine: ") and "3,000 enrollments in one office" in out
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| registry.")}
    assert {"registry.0010_office_time_zone", "registry.0012_enrollment_day_counts_filled"} <= set(rows)
    assert all(row.rstrip(" |").endswith("ok") for row in rows.values()), out
    assert "desk errors" not in out
    with psycopg2.connect(dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [f"ektp_bench_migrations_test_{os.getpid()}"])
            assert cursor.fetchone()[0] == 0


def test_the_page_bench_times_every_page_in_a_small_and_a_big_office_and_drops_its_database(run_command):
    db = settings.DATABASES["default"]
    name = f"ektp_bench_pages_test_{os.getpid()}"
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"

    code, out, err = run_command("bench_pages", "--small", "600", "--big", "3000", "--database-url", url)

    assert code == 0, err
    assert out.startswith("machine: ")
    assert "| page (median of 5, server time)" in out and "| 600 enrollments, " in out and "| 3,000 enrollments, " in out
    rows = {line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ") and ("ok" in line or "MISSED" in line)}
    for page in ("dashboard", "print desk", "pickup desk", "enrollments, name, sorted by nik", "duplicates desk", "stock",
                 "public: ready board", "public: my card, queued card", "public: Suket check"):
        assert page in rows
    assert "check_ledger (exit 0): ok 5371 | ok 5372" in out


def test_the_offices_bench_times_one_offices_pages_alone_and_among_the_others_and_drops_its_database(run_command):
    db = settings.DATABASES["default"]
    name = f"ektp_bench_offices_test_{os.getpid()}"
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"

    code, out, err = run_command("bench_offices", "--largest", "2000", "--others", "200", "--offices", "4", "--runs", "1",
                                 "--database-url", url)

    assert code == 0, err
    assert out.startswith("machine: ")
    assert "office 5371: 2,000 enrollments, 200 queued or printed; then 4 offices: 2,600 enrollments" in out
    assert "| page" in out and "| 5371 alone" in out and "| 5371 among 4 offices" in out and "| a 200 office among 4" in out
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ") and " ms " in line}
    assert {"dashboard", "print desk", "enrollments desk", "public: offices", "public: my card, a queued card"} <= set(rows)
    assert not any("HTTP" in row for row in rows.values()), out  # every page answered 200, alone and among the others
    with psycopg2.connect(dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
            assert cursor.fetchone()[0] == 0
