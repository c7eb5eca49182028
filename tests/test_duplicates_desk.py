"""The duplicates desk: found by NIK or name, one compact row a case, the records compared, each decision with its note, who and when."""
import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from backlog.duplicates import resolve_duplicate_case
from people.roles import Role
from registry.models import DuplicateCase
from tests import factories as f
from tests.pages import page as html

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(kupang, client):
    user = f.user(kupang, Role.CLERK)
    client.force_login(user)
    return user


def enrolled_twice(office, clerk, tmp_path, name, *, renamed=None, first=date(2017, 2, 1), again=date(2018, 3, 1), **second):
    """A resident recorded on `first`, then again on `again` (as `renamed`, with `second`'s other values)."""
    resident = f.nik()
    f.enrollments(office, clerk, tmp_path, [first], number=resident, name=name)
    f.enrollments(office, clerk, tmp_path, [again], number=resident, name=renamed or name, **second)
    return DuplicateCase.objects.get(nik=resident)


def desk(client, **query):
    return html(client.get(reverse("duplicates"), query))


def test_the_desk_finds_a_case_by_its_nik_or_the_starts_of_the_words_of_a_name(client, clerk, kupang, tmp_path):
    rina = enrolled_twice(kupang, clerk, tmp_path, "Rina Riwu")
    katarina = enrolled_twice(kupang, clerk, tmp_path, "Katarina Riwu")
    yosef = enrolled_twice(kupang, clerk, tmp_path, "Yosef Nalle")
    found = desk(client, q="rina riwu")
    assert rina.nik in found and katarina.nik not in found and yosef.nik not in found
    assert katarina.nik in desk(client, q="riwu") and rina.nik in desk(client, q="RIWU")
    by_nik = desk(client, q=yosef.nik)
    assert yosef.nik in by_nik and rina.nik not in by_nik
    assert yosef.nik in desk(client, q=yosef.nik[:12]) and "Tidak ada kasus yang cocok." in desk(client, q="Maria")


def test_a_case_is_one_row_naming_its_records_and_the_fields_that_differ(client, clerk, kupang, tmp_path):
    case = enrolled_twice(kupang, clerk, tmp_path, "Yohanes Ndoen", tempat_lahir="Atambua", alamat="Jl. Sudirman 4")
    enrolled_twice(kupang, clerk, tmp_path, "Maria Bria")
    page = desk(client)
    row = re.search(rf'<tr class="case" data-case="{case.pk}">(.*?)</tr>', page, flags=re.S).group(1)
    assert "01-02-2017" in row and "01-03-2018" in row and "Yohanes Ndoen" in row
    assert "Tempat lahir, Alamat" in row
    assert page.count('<tr class="case"') == 2
    assert "tidak ada" in re.search(r'<tr class="case" data-case="\d+">(?:(?!</tr>).)*Maria Bria.*?</tr>', page, flags=re.S).group(0)


def test_the_desk_costs_the_same_queries_for_one_case_or_twenty(client, clerk, kupang, tmp_path, django_assert_max_num_queries):
    enrolled_twice(kupang, clerk, tmp_path, "Yohanes Ndoen")
    with django_assert_max_num_queries(8) as one:
        desk(client)
    for n in range(19):
        enrolled_twice(kupang, clerk, tmp_path, f"Penduduk {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert desk(client).count('<tr class="case"') == 20


def test_the_case_shows_the_records_side_by_side_with_the_differing_fields_marked_in_words(client, clerk, kupang, tmp_path):
    case = enrolled_twice(kupang, clerk, tmp_path, "Yohanes Ndoen", tempat_lahir="Atambua", alamat="Jl. Sudirman 4")
    page = html(client.get(reverse("duplicate_detail", args=[case.pk])))
    table = re.search(r'<table class="data compare" id="compare">(.*?)</table>', page, flags=re.S).group(1)
    rows = {re.sub(r"<[^>]+>|\s+", " ", th).split(" berbeda")[0].strip(): (cls, cells) for cls, th, cells in
            re.findall(r'<tr( class="differs")?>\s*<th scope="row">(.*?)</th>(.*?)</tr>', table, flags=re.S)}
    differs = {label for label, (cls, _cells) in rows.items() if cls}
    assert differs == {"Tempat lahir", "Alamat"}
    assert "Kupang" in rows["Tempat lahir"][1] and "Atambua" in rows["Tempat lahir"][1]
    assert table.count('class="tag">berbeda') == 2


def test_a_case_is_not_closed_without_a_note_of_the_documents_shown(client, clerk, kupang, tmp_path):
    case = enrolled_twice(kupang, clerk, tmp_path, "Yohanes Ndoen")
    keep = case.enrollments.order_by("enrolled_on").first()
    with pytest.raises(ValidationError, match="Catat dokumen yang ditunjukkan penduduk"):
        resolve_duplicate_case(case=case, by=clerk, keep=keep, note="   ")
    page = html(client.post(reverse("duplicate_detail", args=[case.pk]), {"decision": str(keep.pk), "note": " "}))
    assert "Catat dokumen yang ditunjukkan penduduk (KTP, KK, akta kelahiran) sebelum menutup kasus." in page
    assert DuplicateCase.objects.get().status == "open"


def test_a_closed_case_shows_its_decision_who_when_and_the_note(client, clerk, kupang, tmp_path):
    kept = enrolled_twice(kupang, clerk, tmp_path, "Yohanes Ndoen", renamed="Yohanes Ndoen Tefa")
    voided = enrolled_twice(kupang, clerk, tmp_path, "Maria Bria")
    newer = kept.enrollments.get(enrolled_on=date(2018, 3, 1))
    assert client.post(reverse("duplicate_detail", args=[kept.pk]), {"decision": str(newer.pk), "note": "KK dan akta lahir"}).status_code == 302
    resolve_duplicate_case(case=voided, by=clerk, keep=None, note="bukan penduduk Kota Kupang")
    page = html(client.get(reverse("duplicate_detail", args=[kept.pk])))
    decision = re.search(r'<section class="card" id="decision">(.*?)</section>', page, flags=re.S).group(1)
    assert "Dipertahankan: data rekaman 01-02-2017 (Yohanes Ndoen Tefa); yang lain tidak berlaku" in decision
    assert f"oleh {clerk.username} pada " in decision and "KK dan akta lahir" in decision
    closed = desk(client, status="closed")
    assert kept.nik in closed and voided.nik in closed
    assert "Semua data rekaman dinyatakan tidak berlaku" in closed and "bukan penduduk Kota Kupang" in closed
    assert kept.nik not in desk(client) and voided.nik not in desk(client)
