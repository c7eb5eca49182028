"""The residents' pages read a real streaming replica, and the primary once the replica is too far behind.

The test makes a primary cluster of its own, a hot standby of it with
pg_basebackup, and serves the app under gunicorn with DATABASE_URL on the
primary and REPLICA_DATABASE_URL on the standby. Pausing the standby's
replay shows which database a page read: a row written on the primary after
the pause is missing from a page that reads the standby.
"""
import json
import os
import subprocess
import sys
import time

from tests.conftest import ROOT
from tests.loopback import wait_for
from tests.own_postgres import Browser, OwnPostgres, field, manage, serving

MAX_LAG = 2  # REPLICA_MAX_LAG_SECONDS for the served app
TANGERANG = 'href="/publik/3603/"'
SLEMAN = 'href="/publik/3404/"'


def settings_with(**env):
    probe = ("import json, django; django.setup(); from django.conf import settings as s;"
             "print(json.dumps([sorted(s.DATABASES), s.DATABASE_ROUTERS, 'config.routers.PublicReadsMiddleware' in s.MIDDLEWARE,"
             " s.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR')]))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "postgres://ektp:pw@db:5432/ektp", **env}
    return json.loads(subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout)


def test_without_a_replica_url_there_is_one_database_and_no_router():
    assert settings_with(REPLICA_DATABASE_URL="") == [["default"], [], False, None]
    # With one, the router and its middleware; under test the replica is the test database itself.
    assert settings_with(REPLICA_DATABASE_URL="postgres://ektp:pw@replica:5432/ektp") == [
        ["default", "replica"], ["config.routers.ReplicaRouter"], True, "default"]


def replayed_offices(replica) -> int:
    return replica.sql("SELECT count(*) FROM registry_office")[0]


def test_public_pages_read_the_replica_until_it_lags_then_the_primary():
    primary = OwnPostgres()
    replica = None
    try:
        primary.start()
        primary.sql("CREATE DATABASE ektp", database="postgres")
        migrate = manage(primary.url, "migrate", "--noinput")
        assert migrate.returncode == 0, migrate.stderr
        assert manage(primary.url, "create_office", "5371").returncode == 0
        replica = OwnPostgres(streaming_from=primary)
        replica.start()
        assert replica.sql("SELECT pg_is_in_recovery()") == (True,)
        wait_for(lambda: replayed_offices(replica) == 1, 30, "the standby never replayed the first office")

        env = {"DATABASE_URL": primary.url, "REPLICA_DATABASE_URL": replica.url, "REPLICA_MAX_LAG_SECONDS": str(MAX_LAG)}
        with serving(env) as base:
            resident = Browser(base)
            assert 'href="/publik/5371/"' in resident.get("/publik/")

            replica.sql("SELECT pg_wal_replay_pause()")
            assert manage(primary.url, "create_office", "3603").returncode == 0
            written = time.monotonic()
            clerk_setup = ("from registry.models import Office, User; from people.roles import Role; "
                           "User.objects.create_user('petugas.baru', password='rahasia-uji-1', role=Role.CLERK, office=Office.objects.get(code='3603'))")
            assert manage(primary.url, "shell", "-c", clerk_setup).returncode == 0
            # The public list comes from the standby, which has not replayed the new office.
            assert TANGERANG not in resident.get("/publik/")
            assert replayed_offices(replica) == 1
            # A lookup is counted on the primary (the standby is read-only) and answered.
            status, page = resident.post("/publik/kartu-saya/", {
                "csrfmiddlewaretoken": field(resident.get("/publik/kartu-saya/"), "csrfmiddlewaretoken"),
                "nik": "5371015705900001", "tanggal_lahir": "17/05/1990", "nama_ibu": "Maria"}, "/publik/kartu-saya/")
            assert status == 200 and 'role="alert"' in page
            assert primary.sql("SELECT sum(count) FROM public_lookupcount WHERE scope = 'my-card'") == (1,)
            # The office's pages and accounts are the primary's: a clerk made after the pause logs in.
            clerk = Browser(base)
            login = clerk.get("/masuk/")
            status, desk = clerk.post("/masuk/", {"csrfmiddlewaretoken": field(login, "csrfmiddlewaretoken"),
                                                  "username": "petugas.baru", "password": "rahasia-uji-1"}, "/masuk/")
            assert status == 200 and "petugas.baru" in desk

            # Still paused: once it has been behind for longer than MAX_LAG, the page reads the primary.
            wait_for(lambda: TANGERANG in resident.get("/publik/"), 15, "the public page never fell back to the primary")
            assert time.monotonic() - written > MAX_LAG
            assert replayed_offices(replica) == 1

            replica.sql("SELECT pg_wal_replay_resume()")
            wait_for(lambda: replayed_offices(replica) == 2, 30, "the standby never caught up")
            # Caught up and idle for longer than MAX_LAG (its last replayed commit grows old; its position does not
            # fall behind), the pages read the standby again: the next office written behind a pause is missing there.
            time.sleep(MAX_LAG + 0.5)
            assert TANGERANG in resident.get("/publik/")
            replica.sql("SELECT pg_wal_replay_pause()")
            assert manage(primary.url, "create_office", "3404").returncode == 0
            assert SLEMAN not in resident.get("/publik/")
            replica.sql("SELECT pg_wal_replay_resume()")
            wait_for(lambda: replayed_offices(replica) == 3, 30, "the standby never caught up")
            wait_for(lambda: SLEMAN in resident.get("/publik/"), 15, "the caught-up standby's page lacks the office")

            # The standby stopped: the pages read the primary.
            replica.stop()
            time.sleep(1.5)
            assert manage(primary.url, "create_office", "3201").returncode == 0
            assert 'href="/publik/3201/"' in resident.get("/publik/")
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()
