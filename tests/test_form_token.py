"""Every desk form carries a one-time token: sent again (a double click, the browser's resend after an outage), it does its work once."""
import re
from datetime import date

import pytest
from django.db import OperationalError
from django.urls import reverse

from backlog import imports
from registry.models import EnrollmentUpload
from tests import factories as f
from tests.pages import as_user, page

pytestmark = pytest.mark.django_db

ROWS = [f.row(date(2018, 3, day)) for day in (1, 2)]


def token_of(html: str) -> str:
    """The token of the page's upload form (the only form with a file field)."""
    form = next(form for form in re.findall(r"<form[^>]*>(.*?)</form>", html, re.S) if 'type="file"' in form)
    return re.search(r'name="form_token" value="([^"]+)"', form).group(1)


def send(client, path, token):
    """The upload form sent with this token (a browser's resend sends the same one)."""
    with open(path, "rb") as handle:
        return client.post(reverse("enrollment_upload"), {"file": handle, "form_token": token}, follow=True)


def test_the_same_upload_form_sent_twice_is_one_upload(client, clerk, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = f.siak_file(tmp_path / "siak.csv", ROWS)
    token = token_of(page(as_user(client, clerk).get(reverse("enrollment_upload"))))
    assert "siak.csv" in page(send(client, path, token))
    assert "sudah dikirim" in page(send(client, path, token))
    assert EnrollmentUpload.objects.count() == 1
    fresh = token_of(page(client.get(reverse("enrollment_upload"))))
    assert fresh != token  # a new form is a new upload
    send(client, path, fresh)
    assert EnrollmentUpload.objects.count() == 2


def test_a_form_cut_off_by_an_outage_is_done_once_when_sent_again(client, clerk, tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = f.siak_file(tmp_path / "siak.csv", ROWS)
    token = token_of(page(as_user(client, clerk).get(reverse("enrollment_upload"))))
    accept = imports.accept_upload

    def accepted_then_the_database_went_away(**kwargs):
        accept(**kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("desks.registry.views.accept_upload", accepted_then_the_database_went_away)
    client.raise_request_exception = False
    with open(path, "rb") as handle:
        assert client.post(reverse("enrollment_upload"), {"file": handle, "form_token": token}).status_code == 503
    assert EnrollmentUpload.objects.count() == 0  # nothing half-saved
    monkeypatch.setattr("desks.registry.views.accept_upload", accept)
    send(client, path, token)  # the browser's resend, once the database is back
    send(client, path, token)
    assert EnrollmentUpload.objects.count() == 1


def test_a_form_shown_again_with_a_sentence_can_be_corrected_and_sent_with_the_same_token(client, clerk, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    token = token_of(page(as_user(client, clerk).get(reverse("enrollment_upload"))))
    refused = client.post(reverse("enrollment_upload"), {"form_token": token})  # no file chosen
    assert refused.status_code == 200 and EnrollmentUpload.objects.count() == 0
    send(client, f.siak_file(tmp_path / "siak.csv", ROWS), token)
    assert EnrollmentUpload.objects.count() == 1


def test_every_desk_form_carries_a_token(client, kupang, head, keeper, clerk):
    for user, url in ((keeper, reverse("stock")), (clerk, reverse("print_desk")), (head, reverse("dashboard")),
                      (clerk, reverse("suket_list")), (clerk, reverse("enrollment_upload"))):
        html = page(as_user(client, user).get(url))
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html, re.S)
        desk_forms = [form for form in forms if "csrfmiddlewaretoken" in form and 'name="language"' not in form
                      and "Keluar" not in form]
        assert desk_forms, url
        assert all('name="form_token"' in form for form in desk_forms), url
