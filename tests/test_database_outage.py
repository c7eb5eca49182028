"""PostgreSQL (or the SQLite file) out of reach: every page answers 503 with one sentence in Bahasa Indonesia."""
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import OperationalError

from tests.conftest import ROOT
from tests.loopback import free_port
from tests.pages import as_user

SENTENCE = "Basis data kantor sedang tidak dapat dijangkau"


@pytest.mark.django_db
def test_a_page_whose_database_goes_away_says_so_in_one_sentence(client, clerk, monkeypatch):
    as_user(client, clerk)

    def unreachable(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", unreachable)
    client.raise_request_exception = False
    response = client.get("/dasbor/")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert SENTENCE in response.content.decode()


def test_a_server_whose_database_is_down_answers_every_page_with_the_sentence(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": "postgres://postgres:postgres@127.0.0.1:1/ektp", "DEBUG": "0",
           "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "CELERY_BROKER_URL": ""}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        # An office page of a logged-in clerk (the session is read from the database) and the residents' pages.
        for path in ("/dasbor/", "/publik/", "/publik/5371/"):
            while True:
                try:
                    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": "sessionid=abc123def456"})
                    urllib.request.urlopen(request, timeout=5)
                    raise AssertionError(f"{path} answered although the database is down")
                except urllib.error.HTTPError as answer:
                    assert answer.code == 503, path
                    assert SENTENCE in answer.read().decode(), path
                    break
                except urllib.error.URLError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)
