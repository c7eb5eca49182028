"""Time the residents' pages read from a streaming replica and from the primary: the README's "Scaling out" figures.

`python -m tools.measure_replica [--enrollments N]` (as root, with PostgreSQL 15's binaries: the clusters are
the tests' own, tests/own_postgres.py): a primary with seed_demo's two offices of N enrollments each, a
streaming replica of it (pg_basebackup), then the app under gunicorn (one sync worker, persistent
connections) twice, without and with REPLICA_DATABASE_URL. Each page is fetched over loopback, 3 times to warm
up and then 21 times; the median of the round trips is printed. The ready board is computed on every request
(PUBLIC_BOARD_CACHE_SECONDS=0), and the lookup limit is lifted.
"""
import argparse
import statistics
import time

from tests.loopback import wait_for
from tests.own_postgres import Browser, OwnPostgres, field, manage, serving

RUNS, WARM = 21, 3


def timed(call) -> float:
    for _ in range(WARM):
        call()
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def pages(base, resident, suket):
    browser = Browser(base)
    form = {"csrfmiddlewaretoken": field(browser.get("/publik/kartu-saya/"), "csrfmiddlewaretoken"),
            "nik": resident[0], "tanggal_lahir": resident[1].strftime("%d/%m/%Y"), "nama_ibu": resident[2]}

    def my_card():
        status, page = browser.post("/publik/kartu-saya/", form, "/publik/kartu-saya/")
        assert status == 200 and 'role="alert"' not in page, "the resident was not found"

    found = [("offices `/publik/`", lambda: browser.get("/publik/")),
             ("ready board `/publik/5371/` (not cached)", lambda: browser.get("/publik/5371/")),
             ("my card, a queued card", my_card)]
    if suket:
        found.append(("Suket check", lambda: browser.get(f"/publik/suket/{suket}/")))
    return {name: timed(call) for name, call in found}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enrollments", type=int, default=100_000, help="per office")
    args = parser.parse_args()
    primary = OwnPostgres()
    replica = None
    try:
        primary.start()
        primary.sql("CREATE DATABASE ektp", database="postgres")
        for command in (("migrate", "--noinput"), ("seed_demo", "--enrollments", str(args.enrollments))):
            done = manage(primary.url, *command)
            assert done.returncode == 0, done.stderr
        primary.sql("VACUUM ANALYZE")
        resident = primary.sql("SELECT nik, birth_date, mother_name FROM registry_enrollment e JOIN registry_office o ON o.id = e.office_id "
                               "WHERE o.code = '5371' AND state = 'queued' AND mother_name <> '' ORDER BY e.id DESC LIMIT 1")
        suket = primary.sql("SELECT number FROM registry_temporarycertificate LIMIT 1")
        replica = OwnPostgres(streaming_from=primary)
        replica.start()
        position = primary.sql("SELECT pg_current_wal_flush_lsn()")[0]
        wait_for(lambda: replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{position}'")[0], 60, "the replica never caught up")
        env = {"DATABASE_URL": primary.url, "CONN_MAX_AGE": "60", "PUBLIC_BOARD_CACHE_SECONDS": "0", "PUBLIC_LOOKUP_LIMIT": "1000000000"}
        results = {}
        for reads, extra in (("primary", {}), ("replica", {"REPLICA_DATABASE_URL": replica.url})):
            with serving({**env, **extra}) as base:
                results[reads] = pages(base, resident, suket[0] if suket else None)
        held = primary.sql("SELECT count(*) FROM registry_enrollment e JOIN registry_office o ON o.id = e.office_id WHERE o.code = '5371'")[0]
        print(f"{held:,} enrollments in office 5371, median of {RUNS} round trips over loopback, ms")
        print("| page | read from the primary | read from the replica |")
        print("|---|---|---|")
        for name in results["primary"]:
            print(f"| {name} | {results['primary'][name]:.1f} | {results['replica'][name]:.1f} |")
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()


if __name__ == "__main__":
    main()
