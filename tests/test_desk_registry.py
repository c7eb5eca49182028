"""The clerk's registry desks: enrollments, a card's history, duplicates resolved in person, Suket."""
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from backlog.desks import mark_printed, mark_spoiled
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from backlog.suket import issue_suket
from common.dates import local_day
from people.roles import Role
from printing.models import PrintJob
from registry.models import DuplicateCase, Enrollment, EnrollmentState, TemporaryCertificate
from tests import factories as f
from tests.pages import page as html, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(kupang, client):
    user = f.user(kupang, Role.CLERK)
    client.force_login(user)
    return user


def test_the_enrollment_list_filters_by_nik_name_month_place_and_state(client, clerk, tmp_path, kupang):
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 2, 3)], name="Agustina Fanggidae", sex="P")
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 4, 9)], name="Marthen Tefa")
    marthen = Enrollment.objects.get(name="Marthen Tefa")
    url = reverse("enrollments")
    assert "Agustina" in html(client.get(url)) and "Marthen" in html(client.get(url))
    assert "Agustina" not in html(client.get(url, {"nik": marthen.nik}))
    by_prefix = html(client.get(url, {"nik": marthen.nik[:8]}))  # his region and birthday, not hers (a woman's day is 40 more)
    assert "Marthen" in by_prefix and "Agustina" not in by_prefix
    assert "Marthen" not in html(client.get(url, {"name": "agustina"}))
    assert "Agustina" in html(client.get(url, {"name": "fang agus"})) and "Agustina" not in html(client.get(url, {"name": "gustina"}))
    assert "Agustina" not in html(client.get(url, {"month": "2018-04"}))
    assert "Marthen" in html(client.get(url, {"month": "2018-04", "subdistrict": "oebobo", "state": "recorded"}))
    assert "Marthen" not in html(client.get(url, {"state": "queued"}))


def test_a_bad_filter_value_says_so_next_to_the_field(client, clerk):
    page = html(client.get(reverse("enrollments"), {"month": "bulan lalu", "state": "nonsense"}))
    assert "errorlist" in page


def test_the_enrollment_list_is_ordered_like_the_queue_and_costs_the_same_queries_for_any_page(client, clerk, tmp_path, kupang, django_assert_max_num_queries):
    f.enrollments(kupang, clerk, tmp_path, [date(2017, 1, 1) + timedelta(days=i) for i in range(60)][::-1])
    with django_assert_max_num_queries(6):
        first = html(client.get(reverse("enrollments")))
    assert first.index("01-01-2017") < first.index("02-01-2017")
    with django_assert_max_num_queries(6):
        html(client.get(reverse("enrollments"), {"page": 2}))


def test_a_sort_by_another_column_is_made_for_a_narrow_search_and_refused_in_words_for_a_wide_one(client, clerk, tmp_path, kupang, monkeypatch):
    monkeypatch.setattr("desks.registry.views.SORT_AT_MOST", 2)
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 5)], name="Yosef Tefa")
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 6)], name="Agustina Tefa", sex="P")
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 2, 7)], name="Maria Tefa", sex="P")
    if connection.vendor == "postgresql":  # there, the planner's estimate decides: the statistics an import's ANALYZE leaves
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_enrollment")
    wide = html(client.get(reverse("enrollments"), {"sort": "name"}))  # three match, two may be sorted
    assert "Terlalu banyak perekaman yang cocok untuk diurutkan menurut kolom lain (lebih dari 2)" in wide
    assert wide.index("Yosef Tefa") < wide.index("Agustina Tefa") < wide.index("Maria Tefa")  # recording order
    assert "Terlalu banyak" not in html(client.get(reverse("enrollments"), {"sort": "-enrolled_on"}))  # the index's order, any size
    narrow = html(client.get(reverse("enrollments"), {"sort": "name", "month": "2018-01"}))
    assert "Terlalu banyak" not in narrow and narrow.index("Agustina Tefa") < narrow.index("Yosef Tefa")


def test_a_card_history_tells_its_whole_life(client, clerk, tmp_path, kupang):
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 5)])
    enrollment = Enrollment.objects.get()
    issue_suket(enrollment=enrollment, by=clerk)
    receive_blanks(office=kupang, quantity=2, reference="R1", by=f.person(kupang, Role.STOCK_KEEPER))
    build_print_queue(office=kupang, by=clerk)
    mark_spoiled(job=PrintJob.objects.get(), by=clerk, reason="tinta luntur")
    mark_printed(job=PrintJob.objects.get(state="queued"), by=clerk)
    page = html(client.get(reverse("enrollment_detail", args=[enrollment.pk])))
    for words in ("tinta luntur", "Tercetak", "Suket", "Siap diambil", clerk.username):
        assert words in page


def test_a_card_history_says_when_from_which_file_and_by_whom_it_was_imported(client, clerk, tmp_path, kupang, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, tmp_path, [f.row("2018-01-05")], name="siak-januari.csv")
    enrollment = Enrollment.objects.get()
    client.force_login(f.user(kupang, Role.HEAD))
    page = html(client.get(reverse("enrollment_detail", args=[enrollment.pk])))
    today = f"{local_day(kupang):%d-%m-%Y}"
    assert re.search(rf"<time>{today} \d\d:\d\d</time> Diimpor dari berkas SIAK siak-januari.csv <span class=\"muted\">\({clerk.username}\)</span>", page)


def test_duplicates_are_listed_longest_waiting_first_and_resolved_in_person(client, clerk, tmp_path, kupang):
    for first, again in ((date(2017, 6, 1), date(2018, 2, 1)), (date(2016, 3, 1), date(2018, 3, 1))):
        resident = f.nik()
        f.enrollments(kupang, clerk, tmp_path, [first], number=resident, name="Yosef Nalle")
        f.enrollments(kupang, clerk, tmp_path, [again], number=resident, name="Yosef Nalle Riwu")
    page = html(client.get(reverse("duplicates")))
    assert page.index("01-03-2016") < page.index("01-06-2017")
    case = DuplicateCase.objects.get(enrollments__enrolled_on=date(2016, 3, 1))
    newer = case.enrollments.get(enrolled_on=date(2018, 3, 1))
    url = reverse("duplicate_detail", args=[case.pk])
    assert "Yosef Nalle Riwu" in html(client.get(url))
    form = {"decision": str(newer.pk), "note": "KK dan akta lahir diperiksa"}
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 200  # sent twice: nothing more happens
    survivor = Enrollment.objects.get(nik=case.nik, state=EnrollmentState.RECORDED)
    assert (survivor.enrolled_on, survivor.name) == (date(2016, 3, 1), "Yosef Nalle Riwu")
    assert DuplicateCase.objects.filter(status="open").count() == 1


def test_resolving_needs_a_decision_and_a_note(client, clerk, tmp_path, kupang):
    resident = f.nik()
    f.enrollments(kupang, clerk, tmp_path, [date(2017, 6, 1)], number=resident)
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 6, 1)], number=resident)
    case = DuplicateCase.objects.get()
    page = client.post(reverse("duplicate_detail", args=[case.pk]), {"decision": "", "note": ""})
    assert page.status_code == 200 and page.content.decode().count("errorlist") >= 2
    assert DuplicateCase.objects.get().status == "open"


def test_a_suket_is_issued_by_nik_and_reprinting_shows_the_same_number(client, clerk, tmp_path, kupang):
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 5)])
    nik = Enrollment.objects.get().nik
    first = client.post(reverse("suket_issue"), {"nik": nik})
    again = client.post(reverse("suket_issue"), {"nik": nik})
    assert first.status_code == again.status_code == 302 and first.url == again.url
    suket = TemporaryCertificate.objects.get()
    page = html(client.get(first.url))
    assert suket.number in page and "Berlaku" in page
    assert suket.number in html(client.get(reverse("suket_list")))


@pytest.mark.parametrize("nik, words", [("123", "16 digit"), ("5371015705900001", "Tidak ada kartu")])
def test_a_suket_for_a_bad_or_unknown_nik_is_refused_next_to_the_field(client, clerk, nik, words):
    page = client.post(reverse("suket_issue"), {"nik": nik})
    assert page.status_code == 400 and words in page.content.decode()
    assert TemporaryCertificate.objects.count() == 0


def test_the_suket_desk_lists_those_ending_within_30_days(client, clerk, tmp_path, kupang):
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 1, 5), date(2018, 1, 6)])
    soon, later = Enrollment.objects.order_by("id")
    today = local_day(kupang)
    ending = issue_suket(enrollment=soon, by=clerk, today=today - timedelta(days=170))
    fresh = issue_suket(enrollment=later, by=clerk, today=today)
    page = html(client.get(reverse("suket_list")))
    section = page.split("30 hari")[1].split("</section>")[0]
    assert ending.number in section and fresh.number not in section


def test_a_clerk_uploads_a_siak_export_and_downloads_the_rejected_rows(client, clerk, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tmp_path, [f.row("2018-02-01"), f.row("2018-02-02", jenis_kelamin="X"), f.row("2018-02-03")])
    assert response.status_code == 302
    page = html(client.get(response.url))
    assert "Selesai" in page and "ditolak" in page.lower()
    status = client.get(response.url, {"format": "json"}).json()
    assert status == {"status": "done", "status_display": "Selesai", "rows": 3, "finished": True, "queue_pending": False}
    assert Enrollment.objects.count() == 2
    report = client.get(reverse("enrollment_upload_rejected", args=[response.url.rstrip("/").split("/")[-1]]))
    assert report["Content-Type"] == "text/csv" and report["Content-Disposition"].endswith('siak.csv.rejected.csv"')
    content = b"".join(report.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[0].startswith("baris;alasan;")
    assert content.splitlines()[1].startswith("3;") and "L atau P" in content


def test_an_unusable_upload_imports_nothing_and_says_why(client, clerk, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "foto.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as handle:
        response = client.post(reverse("enrollment_upload"), {"file": handle})
    page = html(client.get(response.url))
    assert "UTF-8" in page and "Tidak ada yang diimpor" in page
    assert Enrollment.objects.count() == 0


def test_an_empty_upload_is_refused_next_to_the_field(client, clerk, tmp_path):
    path = tmp_path / "kosong.csv"
    path.write_bytes(b"")
    with open(path, "rb") as handle:
        page = client.post(reverse("enrollment_upload"), {"file": handle})
    assert page.status_code == 200 and "errorlist" in page.content.decode()


def test_a_clerk_of_another_office_gets_404_for_every_record_and_action(client, clerk, tmp_path, kupang, django_capture_on_commit_callbacks):
    resident = f.nik()
    f.enrollments(kupang, clerk, tmp_path, [date(2017, 6, 1)], number=resident)
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 6, 1)], number=resident)
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 7, 1)])
    waiting = Enrollment.objects.get(state="recorded")
    suket = issue_suket(enrollment=waiting, by=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = upload(client, tmp_path, [f.row("2018-02-01", jenis_kelamin="X")])
    upload_id = uploaded.url.rstrip("/").split("/")[-1]
    case = DuplicateCase.objects.get()
    outsider = f.user(f.office("3603"), Role.CLERK)
    client.force_login(outsider)
    for url in (reverse("enrollment_detail", args=[waiting.pk]), reverse("duplicate_detail", args=[case.pk]),
                reverse("suket_detail", args=[suket.pk]), f"/perekaman/unggah/{upload_id}/",
                f"/perekaman/unggah/{upload_id}/ditolak/"):
        assert client.get(url).status_code == 404, url
    held = case.enrollments.first()
    assert client.post(reverse("duplicate_detail", args=[case.pk]), {"decision": str(held.pk), "note": "x"}).status_code == 404
    assert DuplicateCase.objects.get().status == "open"
    assert client.post(reverse("suket_issue"), {"nik": waiting.nik}).status_code == 400
    assert TemporaryCertificate.objects.count() == 1
    for page in (reverse("enrollments"), reverse("duplicates"), reverse("suket_list")):
        content = html(client.get(page))
        assert waiting.nik not in content and resident not in content and suket.number not in content


def test_the_stock_keeper_reads_enrollments_but_does_not_resolve_or_issue(client, tmp_path, kupang):
    clerk = f.user(kupang, Role.CLERK)
    resident = f.nik()
    f.enrollments(kupang, clerk, tmp_path, [date(2017, 6, 1)], number=resident)
    f.enrollments(kupang, clerk, tmp_path, [date(2018, 6, 1)], number=resident)
    case = DuplicateCase.objects.get()
    client.force_login(f.user(kupang, Role.STOCK_KEEPER))
    assert client.get(reverse("duplicate_detail", args=[case.pk])).status_code == 200
    client.post(reverse("duplicate_detail", args=[case.pk]), {"decision": str(case.enrollments.first().pk), "note": "x"})
    assert DuplicateCase.objects.get().status == "open"
    assert client.post(reverse("suket_issue"), {"nik": resident}).status_code == 403


@pytest.mark.postgres
@pytest.mark.breaks_ledger  # the records are written straight into their table: only the plan matters
def test_on_postgresql_the_desk_s_name_filter_reads_the_office_s_name_words_index(kupang, tangerang):
    """20,000 records in two offices: a name is looked up in the index of the office's name words, not read row by row."""
    from django.db import connection

    from desks.registry.filters import EnrollmentFilter

    first, last = ["Rina", "Katarina", "Yohanes", "Maria", "Petrus", "Agustina", "Yakobus", "Bernadus"], ["Riwu", "Bria", "Tefa", "Ndoen", "Seran"]
    for office in (kupang, tangerang):
        Enrollment.objects.bulk_create(
            Enrollment(office=office, nik=f"{office.code}01{1_000_000_000 + n:010d}", name=f"{first[n % 8]} {last[n % 5]} {n}",
                       birth_place="Kupang", birth_date=date(1990, 1, 1), sex="L", address="Jl. Timor Raya", rt="001", rw="002",
                       village="Oebobo", subdistrict="Oebobo", enrolled_on=date(2018, 1, 1) + timedelta(days=n % 300))
            for n in range(10_000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_enrollment")
    found = EnrollmentFilter({"name": "rina riwu 12"}, queryset=Enrollment.objects.filter(office=kupang)).qs
    plan = found.explain()
    assert "enrollment_name_words" in plan and "Seq Scan" not in plan, plan
    assert sorted(found.values_list("name", flat=True)) == ["Rina Riwu 120", "Rina Riwu 1200", "Rina Riwu 1240", "Rina Riwu 1280"]
