"""A PostgreSQL cluster of a test's own on a free port, the app's commands run against it, a clerk's browser over HTTP.

initdb (or pg_basebackup, for a streaming replica) runs as the postgres user:
CI runs as root, and PostgreSQL refuses to run as root.
"""
import contextlib
import http.cookiejar
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.loopback import free_port

# The project's folder (as tests.conftest has it: not imported from there, which needs Django set up).
ROOT = Path(__file__).resolve().parent.parent
BIN = Path("/usr/lib/postgresql/15/bin")


class OwnPostgres:
    """A new cluster (initdb, trusting local connections, replication included), or with `streaming_from`
    a hot standby of that one (pg_basebackup -R: it streams from it once started)."""

    def __init__(self, streaming_from=None):
        if not (BIN / "initdb").exists() or os.geteuid() != 0:
            message = "needs PostgreSQL 15's binaries and root to run them as the postgres user (CI has both)"
            pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
        # Not under pytest's tmp_path: the postgres user cannot enter root's private folders.
        self.data, self.port = Path(tempfile.mkdtemp(prefix="ektp-pg-")), free_port()
        owner = pwd.getpwnam("postgres")
        os.chown(self.data, owner.pw_uid, owner.pw_gid)
        if streaming_from is None:
            self.as_postgres(BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        else:
            self.as_postgres(BIN / "pg_basebackup", "-D", self.data, "-R", "-X", "stream", "-c", "fast", "--no-sync",
                             "-h", "127.0.0.1", "-p", streaming_from.port, "-U", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/ektp"

    def as_postgres(self, *command):
        subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], check=True, capture_output=True, timeout=120)

    def start(self):
        # The server's output to a file: holding the test's pipes, it would keep `run` waiting.
        self.as_postgres(BIN / "pg_ctl", "-D", self.data, "-l", self.data / "server.log", "-w", "-o",
                         f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off", "start")

    def stop(self):
        self.as_postgres(BIN / "pg_ctl", "-D", self.data, "-w", "-m", "fast", "stop")

    def sql(self, statement, database="ektp"):
        """One statement on this cluster as the superuser: its first row, if it returned any."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()

    def remove(self):
        """Stop the cluster if it runs and delete its files."""
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.data, ignore_errors=True)


def manage(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": ""}
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


class _PlainHttpPolicy(http.cookiejar.DefaultCookiePolicy):
    """Production's secure cookies sent over the test's plain loopback HTTP (there is no TLS proxy here)."""

    def return_ok_secure(self, cookie, request):
        return True


class Browser:
    """A clerk's browser over HTTP: cookies, and the CSRF and one-time tokens of the last page's forms."""

    def __init__(self, base):
        self.base, self.jar = base, http.cookiejar.CookieJar(policy=_PlainHttpPolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path, fields, page) -> tuple[int, str]:
        """Send the form of `page` (the address the browser names as the referrer) to `path`."""
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + page})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.read().decode()


def field(html, name):
    return re.search(r'name="%s" value="([^"]+)"' % name, html).group(1)


@contextlib.contextmanager
def serving(env, workers=1):
    """The app under gunicorn on a free port with these settings (production's: DEBUG off): its base URL."""
    port = free_port()
    env = {**os.environ, "CELERY_BROKER_URL": "", "CONN_MAX_AGE": "0", "DEBUG": "0", "SECRET_KEY": "x" * 50,
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", **env}
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(workers)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/masuk/", timeout=5).close()
                break
            except urllib.error.URLError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise AssertionError("gunicorn did not start:\n" + log.read().decode(errors="replace")) from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(10)
        log.close()
