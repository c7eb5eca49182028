"""The shipped TLS proxy in front of gunicorn, tested through it as a browser or an attacker meets it.

deploy/proxy-entrypoint.sh renders deploy/nginx.conf.template and starts nginx, in docker-compose.yml
and here alike; only the values compose gives it differ (gunicorn's address, loopback ports, a
certificate directory in tmp, an upload limit of 1 MB). gunicorn runs as production runs it (DEBUG=0)
with a single sync worker, the case a stalled request would hurt most.
"""
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from tests.conftest import ROOT, database_url
from tests.loopback import free_port

TOOLS = ("nginx", "openssl", "envsubst")
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
missing = [tool for tool in TOOLS if not shutil.which(tool, path=SEARCH_PATH)]
if missing and os.environ.get("CI"):
    raise RuntimeError(f"CI tests through the shipped proxy: {', '.join(missing)} missing (.ci/run installs them)")
pytestmark = pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} (apt-get install nginx-light openssl gettext-base)")


def wait_for(port, process, what):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{what} stopped: {process.stdout.read()}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}")


class Proxy:
    def __init__(self, http_port, https_port, certificate, values):
        self.http_port, self.https_port, self.values = http_port, https_port, values
        self.tls = ssl.create_default_context(cafile=certificate)
        self.tls.check_hostname = False  # the self-signed certificate names localhost; we dial 127.0.0.1

    def https(self, method, path, headers=None, body=None):
        connection = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=self.tls, timeout=5)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.text = response.read().decode()
        connection.close()
        return response

    def http(self, method, path, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=5)
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response


@pytest.fixture(scope="module")
def proxy(django_db_setup, tmp_path_factory):
    """gunicorn on a free loopback port, and the shipped proxy in front of it, started by its entrypoint."""
    tmp = tmp_path_factory.mktemp("proxy")
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    app_env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "t" * 50, "ALLOWED_HOSTS": "127.0.0.1",
               "DATABASE_URL": database_url(), "UPLOAD_MAX_MEGABYTES": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    app_env.pop("CELERY_BROKER_URL", None)
    gunicorn = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--bind",
                                 f"127.0.0.1:{app_port}", "--workers", "1"], cwd=ROOT, env=app_env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    proxy_env = {"PATH": SEARCH_PATH, "UPSTREAM": f"127.0.0.1:{app_port}", "UPLOAD_MAX_MEGABYTES": "1",
                 "HTTP_PORT": f"127.0.0.1:{http_port}", "HTTPS_PORT": f"127.0.0.1:{https_port}",
                 "CERT_DIR": str(tmp / "certs"), "TEMPLATE": str(ROOT / "deploy" / "nginx.conf.template"),
                 "PREFIX": str(tmp / "nginx"), "SERVER_NAME": "localhost"}
    nginx = subprocess.Popen([str(ROOT / "deploy" / "proxy-entrypoint.sh")], env=proxy_env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(app_port, gunicorn, "gunicorn")
        wait_for(https_port, nginx, "nginx")
        values = {name: proxy_env[name] for name in ("UPSTREAM", "UPLOAD_MAX_MEGABYTES", "HTTP_PORT", "HTTPS_PORT", "CERT_DIR")}
        yield Proxy(http_port, https_port, str(tmp / "certs" / "server.crt"), values)
    finally:
        for process in (nginx, gunicorn):
            process.terminate()
            process.wait(timeout=10)


def test_the_proxy_renders_only_the_compose_values_into_the_shipped_file(proxy, tmp_path_factory):
    """What nginx runs here is the shipped file, byte for byte, but for the values compose sets."""
    template = (ROOT / "deploy" / "nginx.conf.template").read_text()
    rendered = next(tmp_path_factory.getbasetemp().glob("proxy*/nginx/nginx.conf")).read_text()
    for name, value in proxy.values.items():
        assert "${%s}" % name in template, name
        template = template.replace("${%s}" % name, value)
    assert rendered == template
    assert "$host$request_uri" in rendered and "proxy_set_header X-Forwarded-Proto $scheme;" in rendered


def test_the_login_page_answers_over_tls_with_hsts(proxy):
    response = proxy.https("GET", "/masuk/")
    assert response.status == 200
    assert "max-age=31536000" in response.getheader("Strict-Transport-Security")
    assert "csrftoken" in response.getheader("Set-Cookie") and "Secure" in response.getheader("Set-Cookie")


def test_plain_http_only_sends_the_browser_to_https(proxy):
    response = proxy.http("GET", "/masuk/")
    assert response.status == 301
    assert response.getheader("Location").startswith("https://127.0.0.1") and response.getheader("Location").endswith("/masuk/")


def test_a_client_cannot_tell_the_app_which_scheme_it_used(proxy):
    # Over plain http, claiming https, the browser is still sent to https.
    response = proxy.http("GET", "/masuk/", headers={"X-Forwarded-Proto": "https"})
    assert response.status == 301 and response.getheader("Location").startswith("https://")
    # Over https, claiming http: the proxy's value wins (the app would otherwise redirect to https).
    assert proxy.https("GET", "/masuk/", headers={"X-Forwarded-Proto": "http"}).status == 200


def test_idle_and_slow_connections_do_not_stall_the_site(proxy):
    silent = socket.create_connection(("127.0.0.1", proxy.https_port))
    # A request whose body never finishes: nginx waits for it; the one gunicorn worker never sees it.
    slow = proxy.tls.wrap_socket(socket.create_connection(("127.0.0.1", proxy.https_port)))
    slow.sendall(b"POST /masuk/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: 1000\r\n\r\nusername=")
    try:
        started = time.monotonic()
        assert proxy.https("GET", "/masuk/").status == 200
        assert time.monotonic() - started < 2
    finally:
        silent.close()
        slow.close()


def test_a_body_above_the_upload_limit_is_refused_by_the_proxy_with_a_sentence(proxy):
    response = proxy.https("POST", "/unggah/", headers={"Content-Type": "text/csv"}, body=b"x" * (1024 * 1024 + 1))
    assert response.status == 413
    assert "berkas terbesar yang diterima 1 MB" in response.text
    assert proxy.https("POST", "/masuk/", headers={"Content-Type": "application/x-www-form-urlencoded"},
                       body=b"x" * (1024 * 1024)).status != 413
