"""Security settings and headers: Django's deployment check under production settings, the headers every
page sends, the Content-Security-Policy against the templates' inline code, CSRF on the residents' forms."""
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from people.roles import Role
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def production_env(tmp_path, **extra):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; no deployment sets it.
    unset = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "ektp.example.go.id", "CSRF_TRUSTED_ORIGINS": "https://ektp.example.go.id",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}", **extra,
    })
    return env


def test_the_deployment_check_is_clean_under_production_settings(tmp_path):
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          env=production_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_settings_send_cookies_over_https_only_and_redirect_to_https(tmp_path):
    probe = ("import json, django; django.setup(); from django.conf import settings as s;"
             "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
             " s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS, s.SECURE_CONTENT_TYPE_NOSNIFF, s.SECURE_REFERRER_POLICY,"
             " s.TRUSTED_PROXIES]))")
    done = subprocess.run([sys.executable, "-c", probe], env=production_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '[true, true, true, 31536000, true, "DENY", true, "same-origin", []]'


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/publik/", "/publik/kartu-saya/", "/publik/suket/", "/masuk/"])
def test_every_page_forbids_framing_sniffing_and_leaking_its_address(client, url):
    f.office("5371")
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"):
        assert directive in policy


@pytest.mark.django_db
def test_no_page_allows_inline_code(client):
    office = f.office("5371")
    client.force_login(f.user(office, Role.HEAD))
    for url in ("/publik/", "/dasbor/", "/perekaman/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "style-src 'self';" in policy
        assert "unsafe" not in policy


def inline_code(pattern):
    """(template, attribute value) of every match of `pattern` in the project's templates."""
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.parts[-2] == "documents":  # rendered to PDF on the server, never by a browser
            continue
        for value in re.findall(pattern, path.read_text(encoding="utf-8")):
            yield str(path.relative_to(TEMPLATES)), value


def test_no_template_carries_an_inline_handler_or_style():
    """The policy refuses them: an onclick= or style= belongs in static/js/app.js or a stylesheet."""
    handlers = list(inline_code(r"""\son[a-z]+="([^"]*)\""""))
    styles = list(inline_code(r"""\sstyle="([^"]*)\""""))
    assert handlers == [] and styles == []


def test_no_template_carries_an_inline_script():
    scripts = [(name, tag) for name, tag in inline_code(r"<script\b[^>]*>") if "src=" not in tag]
    assert scripts == []


def test_a_pdf_is_not_given_the_html_policy(rf):
    """Chromium's PDF viewer does not open a document whose response forbids plugins (object-src 'none')."""
    from django.http import HttpResponse

    from config.security import SecurityHeadersMiddleware

    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse(b"%PDF-1.7", content_type="application/pdf"))
    response = middleware(rf.get("/suket/1/pdf/"))
    assert "Content-Security-Policy" not in response and "Permissions-Policy" in response


@pytest.mark.django_db
def test_the_residents_forms_refuse_a_post_without_the_csrf_token():
    f.office("5371")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/publik/kartu-saya/", {"nik": "5371011705900001", "tanggal_lahir": "1990-05-17"}).status_code == 403
    form = strict.get("/publik/kartu-saya/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode()).group(1)
    answered = strict.post("/publik/kartu-saya/", {"nik": "5371011705900001", "tanggal_lahir": "1990-05-17", "csrfmiddlewaretoken": token})
    assert answered.status_code == 200


@pytest.mark.django_db
def test_the_language_switch_on_the_public_pages_carries_its_csrf_token(client):
    f.office("5371")
    html = client.get("/publik/5371/").content.decode()
    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', html, flags=re.S).group(0)
    assert 'name="csrfmiddlewaretoken"' in form


@pytest.mark.django_db
def test_pages_downloads_and_documents_with_personal_data_are_never_stored(client, tmp_path):
    from datetime import date

    from django.urls import reverse

    from backlog.suket import issue_suket
    from registry.models import Enrollment
    from tests.pages import as_user

    office = f.office("5371")
    clerk = f.user(office, Role.CLERK)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 2)])
    enrollment = Enrollment.objects.get()
    suket = issue_suket(enrollment=enrollment, by=clerk)
    as_user(client, clerk)
    for url in (reverse("dashboard"), reverse("enrollment_detail", args=[enrollment.pk]), reverse("suket_pdf", args=[suket.pk]),
                reverse("stock"), reverse("print_desk")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url


@pytest.mark.django_db
def test_a_desk_message_naming_the_resident_stays_on_the_server(client, tmp_path):
    from datetime import date

    from django.urls import reverse

    from backlog.ledger import receive_blanks
    from backlog.queue import build_print_queue
    from printing.models import PrintJob
    from tests.pages import as_user

    office = f.office("5371")
    clerk = f.user(office, Role.CLERK)
    f.enrollments(office, clerk, tmp_path, [date(2018, 1, 2)], name="Rina Riwu")
    receive_blanks(office=office, quantity=1, reference="R1", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=clerk)
    as_user(client, clerk)
    printed = client.post(reverse("mark_job_printed", args=[PrintJob.objects.get().pk]))
    assert printed.status_code == 302
    assert "messages" not in printed.cookies and all("Rina" not in morsel.value for morsel in printed.cookies.values())
    assert "Tercetak: Rina Riwu" in client.get(printed.url).content.decode()
