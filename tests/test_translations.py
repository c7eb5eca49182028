"""Bahasa Indonesia is the default: every message has its translation, and the compiled catalogue is current."""
import os
from pathlib import Path

import polib
import pytest
from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "id" / "LC_MESSAGES" / "django.po"


def entries():
    """(msgid, msgstr, flags) of every message in the .po file."""
    for entry in polib.pofile(str(PO)):
        if not entry.obsolete:
            msgstr = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
            yield entry.msgid, msgstr, " ".join(entry.flags)


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [msgid for msgid, msgstr, flags in entries() if not msgstr or "fuzzy" in flags]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_po_file():
    with translation.override("id"):
        for msgid, msgstr, _ in entries():
            assert translation.gettext(msgid) == msgstr


def english_msgids():
    """Catalogue messages whose Indonesian differs, long enough to be recognised in a page's text."""
    return sorted({msgid for msgid, msgstr, _ in entries() if msgstr != msgid and len(msgid) >= 8 and " " in msgid and "%" not in msgid})


@pytest.mark.django_db
def test_no_office_page_shows_an_untranslated_message(client):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils.html import strip_tags

    from registry.models import DuplicateCase, Enrollment
    from backlog.suket import issue_suket

    call_command("seed_demo", "--enrollments", "150", stdout=open(os.devnull, "w"))
    # force_login: the login throttle (django-axes) needs a request, which client.login does not give.
    client.force_login(get_user_model().objects.get(username="kepala.5371"))
    enrollment = Enrollment.objects.filter(office__code="5371", state__in=["recorded", "queued"]).first()
    suket = issue_suket(enrollment=enrollment, by=enrollment.office.users.first())
    urls = ["/dasbor/", "/perekaman/", "/perekaman/unggah/", "/data-ganda/", "/cetak/", "/pengambilan/", "/pengambilan/siap/",
            "/suket/", "/stok/", "/permintaan/", "/akun/sandi/", "/akun-kantor/blokir/", f"/perekaman/{enrollment.pk}/", f"/suket/{suket.pk}/",
            f"/data-ganda/{DuplicateCase.objects.filter(office__code='5371').first().pk}/"]
    english = english_msgids()
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        text = " ".join(strip_tags(page.content.decode().split("<body", 1)[1].split("<script")[0]).split())
        shown = [msgid for msgid in english if msgid in text]
        assert shown == [], (url, shown)
