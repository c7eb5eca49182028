"""PostgreSQL really stopped and started again under a running server: one sentence meanwhile, a resent form done once.

The test makes a PostgreSQL cluster of its own on a free port (initdb, as
the postgres user: CI runs as root), migrates it, serves the app from it
with gunicorn, and drives the stock page over HTTP as the stock keeper.
"""
import os
import shutil
import subprocess
import sys
import time
import urllib.error

from tests.conftest import ROOT
from tests.loopback import free_port
from tests.own_postgres import Browser, OwnPostgres, field, manage

SENTENCE = "Basis data kantor sedang tidak dapat dijangkau"


def test_postgres_stopped_under_a_running_server_then_started_again():
    postgres = OwnPostgres()
    postgres.start()
    server = None
    try:
        subprocess.run([sys.executable, "-c", f"import psycopg2; c = psycopg2.connect('postgres://postgres@127.0.0.1:{postgres.port}/postgres');"
                        " c.autocommit = True; c.cursor().execute('CREATE DATABASE ektp')"], check=True, timeout=30)
        assert manage(postgres.url, "migrate", "--noinput").returncode == 0
        assert manage(postgres.url, "create_office", "5371").returncode == 0
        setup = ("from registry.models import Office, User; from people.roles import Role; "
                 "User.objects.create_user('bendahara.uji', password='rahasia-uji-1', role=Role.STOCK_KEEPER, office=Office.objects.get(code='5371'))")
        assert manage(postgres.url, "shell", "-c", setup).returncode == 0
        port = free_port()
        env = {**os.environ, "DATABASE_URL": postgres.url, "CELERY_BROKER_URL": "", "CONN_MAX_AGE": "0", "DEBUG": "0",
               "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0"}
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                                   "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        browser = Browser(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                login = browser.get("/masuk/")
                break
            except urllib.error.URLError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        status, _ = browser.post("/masuk/", {"csrfmiddlewaretoken": field(login, "csrfmiddlewaretoken"),
                                             "username": "bendahara.uji", "password": "rahasia-uji-1"}, "/masuk/")
        assert status == 200
        stock = browser.get("/stok/")
        receipt = {"csrfmiddlewaretoken": field(stock, "csrfmiddlewaretoken"), "form_token": field(stock, "form_token"),
                   "reference": "470/9/2018", "quantity": "25", "delivery_note": "SJ-77", "carried_by": "Yosef"}

        postgres.stop()
        status, page = browser.post("/stok/penerimaan/", receipt, "/stok/")
        assert status == 503 and SENTENCE in page
        command = manage(postgres.url, "stock_report", "--office", "5371")
        assert command.returncode == 3 and "Traceback" not in command.stderr and command.stderr.count("\n") == 1

        time.sleep(2)
        postgres.start()
        status, page = browser.post("/stok/penerimaan/", receipt, "/stok/")  # the browser's resend
        assert status == 200 and "Penerimaan dibukukan: 25 blanko" in page
        status, page = browser.post("/stok/penerimaan/", receipt, "/stok/")  # and once more
        assert "sudah dikirim" in page
        report = manage(postgres.url, "stock_report", "--office", "5371", "--json")
        assert '"on_hand": 25' in report.stdout
        assert manage(postgres.url, "check_ledger").returncode == 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        try:
            postgres.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(postgres.data, ignore_errors=True)
