"""Corrections of desk mistakes, as a clerk, the stock keeper or the head makes them and checks them.

Each is a new event or movement, never an edit: the figures a desk reads
(stock_report, the queue in print order, the monthly report) come out net of
the correction, the card's history page says who corrected what and why, a
double click changes nothing, and only the role that may make a correction
sees its button.
"""
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from backlog import corrections
from backlog.desks import mark_printed, mark_spoiled, record_pickup
from backlog.duplicates import resolve_duplicate_case
from backlog.imports import import_enrollments
from backlog.ledger import correct_receipt, receive_blanks, spoil_blanks
from backlog.queue import build_print_queue
from backlog.suket import issue_suket
from common.dates import local_day
from inventory.models import BlankMovement, MovementKind, ReceiptCorrection
from inventory.selectors import monthly_ledger, stock_report
from people.roles import Role, system_user
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from registry.models import Correction, DuplicateCase, Enrollment, EnrollmentState
from tests import factories as f
from tests.pages import logged_in, page

pytestmark = pytest.mark.django_db
KUPANG = ZoneInfo("Asia/Makassar")  # WITA, Kota Kupang's office time
RESIDENTS = [("Yohanes Ndoen", date(2018, 1, 10)), ("Maria Bria", date(2018, 1, 20)),
             ("Petrus Tefa", date(2018, 2, 3)), ("Agustina Nalle", date(2018, 2, 14))]


@contextmanager
def at(year, month, day, hour=10):
    """Services run as if it were this moment in Kupang's office time."""
    with patch("django.utils.timezone.now", return_value=datetime(year, month, day, hour, tzinfo=KUPANG)):
        yield


def queued_cards(office, by, tmp_path, residents=RESIDENTS, *, blanks=None, printed=0):
    """Enroll the residents, queue them on `blanks` blanks, print the first `printed`; the jobs in print order."""
    rows = [f.row(day, code=office.code, name=name) for name, day in residents]
    import_enrollments(office=office, path=f.siak_file(tmp_path / f"siak-{len(residents)}.csv", rows), by=by)
    receive_blanks(office=office, quantity=blanks or len(residents), reference="470/012/DKPS/2018", by=f.person(office, Role.STOCK_KEEPER))
    build_print_queue(office=office, by=by)
    jobs = list(queue_in_print_order(office))
    for job in jobs[:printed]:
        mark_printed(job=job, by=by)
    return [PrintJob.objects.select_related("enrollment").get(pk=job.pk) for job in jobs]


def queue_names(office):
    return [job.enrollment.name for job in queue_in_print_order(office).select_related("enrollment")]


def figures(office, *names):
    report = stock_report(office)
    return tuple(report[name] for name in names)


def live_job(enrollment_id):
    return PrintJob.objects.get(enrollment_id=enrollment_id, state__in=[PrintJob.State.QUEUED, PrintJob.State.PRINTED])


def history(user, enrollment_id):
    return page(logged_in(user).get(f"/perekaman/{enrollment_id}/"))


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# Undo "printed"

def test_a_card_marked_printed_by_mistake_gets_its_blank_back_and_is_queued_again_at_its_place(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=2)
    assert figures(kupang, "on_hand", "reserved", "printed", "ready_for_pickup") == (2, 2, 2, 2)
    correction = corrections.undo_printed(job=jobs[1], by=clerk, reason="Salah klik, kartu masih di printer")
    assert figures(kupang, "on_hand", "reserved", "printed", "ready_for_pickup", "queued") == (3, 3, 1, 1, 3)
    assert queue_names(kupang) == ["Maria Bria", "Petrus Tefa", "Agustina Nalle"]
    assert PrintJob.objects.get(pk=jobs[1].pk).state == PrintJob.State.UNDONE
    back = BlankMovement.objects.get(reverses__print_job=jobs[1], kind=MovementKind.PRINTED)
    assert (back.quantity, back.created_by, back.reason) == (1, clerk, "Salah klik, kartu masih di printer")
    assert correction.changes == {"print_job": jobs[1].pk, "movements": [back.pk]}
    text = history(clerk, jobs[1].enrollment_id)
    assert "Tercetak" in text and "Salah tandai tercetak: diurungkan: Salah klik, kartu masih di printer" in text
    assert corrections.undo_printed(job=jobs[1], by=clerk, reason="Salah klik, kartu masih di printer") == correction
    assert figures(kupang, "on_hand", "reserved", "printed") == (3, 3, 1)


def test_undoing_printed_is_the_clerks_on_the_same_day_and_the_heads_after(kupang, clerk, head, keeper, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=1)
    tomorrow = timezone.now() + timedelta(days=1)
    with pytest.raises(PermissionDenied, match="setelah hari kerjanya hanya untuk kepala dinas"):
        corrections.undo_printed(job=jobs[0], by=clerk, reason="salah klik", at=tomorrow)
    with pytest.raises(PermissionDenied):
        corrections.undo_printed(job=jobs[0], by=keeper, reason="salah klik")
    with pytest.raises(ValidationError, match="alasan"):
        corrections.undo_printed(job=jobs[0], by=head, reason="  ")
    assert figures(kupang, "printed", "ready_for_pickup") == (1, 1)
    corrections.undo_printed(job=jobs[0], by=head, reason="salah klik kemarin", at=tomorrow)
    assert figures(kupang, "printed", "ready_for_pickup", "queued") == (0, 0, 4)


def test_a_collected_card_cannot_be_unprinted_before_its_pickup_is_undone(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=1)
    record_pickup(job=jobs[0], by=clerk)
    with pytest.raises(ValidationError, match="urungkan pengambilannya"):
        corrections.undo_printed(job=jobs[0], by=clerk, reason="salah klik")


def test_a_correction_is_booked_in_its_own_month_and_the_report_is_net(kupang, clerk, head, tmp_path):
    with at(2018, 3, 30):
        jobs = queued_cards(kupang, clerk, tmp_path, printed=2)
    with at(2018, 4, 2):
        corrections.undo_printed(job=jobs[1], by=head, reason="kartu tidak pernah keluar dari printer")
    march, april = monthly_ledger(kupang, date(2018, 3, 1), date(2018, 4, 1))
    assert (march.printed, april.printed) == (2, -1)
    assert (march.closing, april.closing) == (2, 3) and march.balanced and april.balanced


# Undo "spoiled"

def test_a_blank_marked_spoiled_by_mistake_comes_back_and_the_card_keeps_its_new_job(kupang, clerk, tmp_path,
                                                                                    django_capture_on_commit_callbacks):
    jobs = queued_cards(kupang, clerk, tmp_path, RESIDENTS[:3])
    spoiled = mark_spoiled(job=jobs[0], by=clerk, reason="Kartu macet").job
    # The spoiled card kept its place; the newest gave its blank up.
    assert queue_names(kupang) == ["Yohanes Ndoen", "Maria Bria"]
    with django_capture_on_commit_callbacks(execute=True):
        corrections.undo_spoiled(job=spoiled, by=clerk, reason="Salah tandai: kartu baik")
    assert PrintJob.objects.get(pk=spoiled.pk).state == PrintJob.State.UNDONE
    # The blank that came back went to the next waiting card (the build asked for after commit).
    assert figures(kupang, "on_hand", "spoiled", "reserved") == (3, 0, 3)
    assert queue_names(kupang) == ["Yohanes Ndoen", "Maria Bria", "Petrus Tefa"]
    assert "Salah tandai rusak: diurungkan: Salah tandai: kartu baik" in history(clerk, jobs[0].enrollment_id)


def test_a_card_left_waiting_by_a_mistaken_spoil_is_queued_again_on_the_blank_that_came_back(kupang, clerk, head, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, RESIDENTS[:2], blanks=1)
    spoiled = mark_spoiled(job=jobs[0], by=clerk, reason="Pita habis").job
    assert figures(kupang, "on_hand", "queued", "recorded") == (0, 0, 2)
    with pytest.raises(PermissionDenied):
        corrections.undo_spoiled(job=spoiled, by=clerk, reason="salah klik", at=timezone.now() + timedelta(days=1))
    correction = corrections.undo_spoiled(job=spoiled, by=clerk, reason="salah klik")
    assert figures(kupang, "on_hand", "spoiled", "queued", "recorded") == (1, 0, 1, 1)
    assert queue_names(kupang) == ["Yohanes Ndoen"]
    assert corrections.undo_spoiled(job=spoiled, by=clerk, reason="salah klik") == correction
    assert figures(kupang, "on_hand", "spoiled", "queued") == (1, 0, 1)


# A printed card found defective before pickup

def test_a_defective_card_counts_its_blank_as_spoiled_and_is_printed_again_ahead_of_the_queue(kupang, clerk, tmp_path):
    with at(2018, 3, 5):
        jobs = queued_cards(kupang, clerk, tmp_path, printed=2)
    with at(2018, 3, 6):
        correction = corrections.found_defective(job=jobs[1], by=clerk, reason="Foto buram")
    # On hand unchanged; the blank counts as spoiled; no blank was free, so the newest queued card gave its blank.
    assert figures(kupang, "on_hand", "printed", "spoiled", "reserved", "ready_for_pickup", "recorded") == (2, 1, 1, 2, 1, 1)
    assert queue_names(kupang) == ["Maria Bria", "Petrus Tefa"]
    assert live_job(jobs[1].enrollment_id).first_in_line
    (march,) = monthly_ledger(kupang, date(2018, 3, 1), date(2018, 3, 1))
    assert (march.printed, march.spoiled, march.closing) == (1, 1, 2)
    booked = BlankMovement.objects.filter(print_job=jobs[1]).order_by("pk")
    assert [(m.kind, m.quantity) for m in booked] == [("printed", -1), ("printed", 1), ("spoiled", -1)]
    assert PrintJob.objects.get(pk=jobs[1].pk).state == PrintJob.State.SPOILED
    text = history(clerk, jobs[1].enrollment_id)
    assert "Kartu tercetak ternyata cacat: dicetak ulang lebih dulu: Foto buram" in text
    assert corrections.found_defective(job=jobs[1], by=clerk, reason="Foto buram") == correction
    assert figures(kupang, "on_hand", "printed", "spoiled") == (2, 1, 1)
    with pytest.raises(ValidationError, match="tetap tercatat rusak"):
        corrections.undo_spoiled(job=jobs[1], by=clerk, reason="salah")


def test_a_defective_card_with_no_blank_anywhere_waits_as_recorded(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, RESIDENTS[:1], printed=1)
    corrections.found_defective(job=jobs[0], by=clerk, reason="Chip rusak")
    assert figures(kupang, "on_hand", "printed", "spoiled", "recorded", "queued") == (0, 0, 1, 1, 0)


def test_a_card_found_defective_after_pickup_is_a_replacement_not_a_correction(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=1)
    record_pickup(job=jobs[0], by=clerk)
    with pytest.raises(ValidationError, match="penggantian"):
        corrections.found_defective(job=jobs[0], by=clerk, reason="Foto buram")
    assert figures(kupang, "printed", "spoiled", "collected") == (1, 0, 1)


# Undo a pickup

def test_a_pickup_recorded_against_the_wrong_card_is_undone_and_its_suket_is_current_again(kupang, clerk, head, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=0)
    suket = issue_suket(enrollment=jobs[0].enrollment, by=clerk)
    mark_printed(job=jobs[0], by=clerk)
    record_pickup(job=jobs[0], by=clerk, collected_as="attorney", name="Orang lain", nik=f.nik("5371", date(1980, 3, 3), serial=7))
    suket.refresh_from_db()
    assert suket.ended_on is not None
    with pytest.raises(PermissionDenied):
        corrections.undo_pickup(job=jobs[0], by=clerk, reason="salah kartu", at=timezone.now() + timedelta(days=1))
    correction = corrections.undo_pickup(job=jobs[0], by=clerk, reason="Diserahkan ke orang yang salah")
    assert figures(kupang, "ready_for_pickup", "collected") == (1, 0)
    suket.refresh_from_db()
    job = PrintJob.objects.get(pk=jobs[0].pk)
    assert (suket.ended_on, job.collected_at, job.collected_by_name, job.collected_by_nik, job.collected_as, job.handed_over_by) == (
        None, None, "", "", "", None)
    assert (correction.changes["pickup"]["collected_by_nik"], correction.changes["pickup"]["collected_as"]) == ("5371010303800007", "attorney")
    text = history(clerk, jobs[0].enrollment_id)
    assert "Diambil oleh Orang lain" in text and "Pengambilan tercatat pada kartu yang salah: diurungkan" in text
    assert corrections.undo_pickup(job=jobs[0], by=clerk, reason="Diserahkan ke orang yang salah") == correction
    record_pickup(job=jobs[0], by=clerk)
    assert figures(kupang, "ready_for_pickup", "collected") == (0, 1)


# Imported records: a typo corrected, a wrong NIK or date voided

def test_a_typo_in_an_imported_record_is_corrected_before_printing_and_the_history_keeps_the_old_value(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, RESIDENTS[:2], printed=1)
    waiting = jobs[1].enrollment
    values = {"name": "Maria  Goreti Bria", "village": "Oesapa"}
    correction = corrections.edit_record(enrollment=waiting, by=clerk, reason="Salah ketik di SIAK", values=values)
    waiting.refresh_from_db()
    assert (waiting.name, waiting.village) == ("Maria Goreti Bria", "Oesapa")
    assert correction.changes == {"name": ["Maria Bria", "Maria Goreti Bria"], "village": ["Oebobo", "Oesapa"]}
    assert "Maria Bria → Maria Goreti Bria" in history(clerk, waiting.pk)
    assert corrections.edit_record(enrollment=waiting, by=clerk, reason="Salah ketik di SIAK", values=values) is None
    assert Correction.objects.filter(kind=Correction.Kind.EDIT_RECORD).count() == 1
    with pytest.raises(ValidationError, match="sebelum dicetak"):
        corrections.edit_record(enrollment=jobs[0].enrollment, by=clerk, reason="typo", values={"name": "Yohanes N."})
    with pytest.raises(ValidationError, match="Nama tidak boleh kosong"):
        corrections.edit_record(enrollment=waiting, by=clerk, reason="typo", values={"name": " "})


def test_a_record_imported_with_a_wrong_nik_is_voided_and_the_right_one_imported(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, RESIDENTS[:2])
    wrong = jobs[1].enrollment
    suket = issue_suket(enrollment=wrong, by=clerk)
    correction = corrections.void_record(enrollment=wrong, by=clerk, reason="NIK salah ketik")
    assert figures(kupang, "queued", "reserved", "on_hand") == (1, 1, 2)
    assert PrintJob.objects.get(pk=jobs[1].pk).state == PrintJob.State.CANCELLED
    suket.refresh_from_db()
    assert suket.ended_on == local_day(kupang)
    assert corrections.void_record(enrollment=wrong, by=clerk, reason="NIK salah ketik") == correction
    # The same wrong row again is skipped (its key is the voided row's); the right NIK is a new record.
    again = [f.row(wrong.enrolled_on, name=wrong.name, number=wrong.nik), f.row(wrong.enrolled_on, name=wrong.name)]
    result = import_enrollments(office=kupang, path=f.siak_file(tmp_path / "benar.csv", again), by=clerk)
    assert (result.imported, result.already_there) == (1, 1)
    build_print_queue(office=kupang, by=system_user())
    assert queue_names(kupang) == ["Yohanes Ndoen", "Maria Bria"]
    assert live_job(Enrollment.objects.get(name="Maria Bria", state=EnrollmentState.QUEUED).pk).enrollment.nik != wrong.nik
    assert "Perekaman dinyatakan tidak berlaku (NIK atau tanggal salah): NIK salah ketik" in history(clerk, wrong.pk)


def test_a_printed_card_cannot_be_voided(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, RESIDENTS[:1], printed=1)
    with pytest.raises(ValidationError, match="tidak dapat dinyatakan tidak berlaku"):
        corrections.void_record(enrollment=jobs[0].enrollment, by=clerk, reason="NIK salah")


# Reopen a duplicate case (the head)

def enrolled_twice(office, clerk, tmp_path):
    resident = f.nik()
    f.enrollments(office, clerk, tmp_path, [date(2017, 2, 1)], number=resident, name="Maria Manafe")
    f.enrollments(office, clerk, tmp_path, [date(2018, 3, 1)], number=resident, name="Maria Manafe Tefa")
    return DuplicateCase.objects.get(nik=resident)


def test_the_head_reopens_a_duplicate_case_resolved_by_mistake_from_the_card_record(kupang, clerk, head, tmp_path):
    case = enrolled_twice(kupang, clerk, tmp_path)
    resolve_duplicate_case(case=case, by=clerk, keep=None, note="salah pilih")
    record = case.enrollments.order_by("enrolled_on").first()
    assert "Buka kembali kasus data ganda" not in history(clerk, record.pk)
    assert "Buka kembali kasus data ganda" in history(head, record.pk)
    url = f"/data-ganda/{case.pk}/buka-kembali/"
    assert logged_in(clerk).post(url, {"reason": "salah"}).status_code == 403
    client = logged_in(head)
    for _twice in range(2):
        done = client.post(url, {"reason": "Seharusnya data pertama yang disimpan"}, follow=True)
        assert done.redirect_chain[-1][0] == f"/data-ganda/{case.pk}/"
    case.refresh_from_db()
    assert case.status == DuplicateCase.Status.OPEN
    assert figures(kupang, "on_hold") == (2,)
    assert Correction.objects.filter(kind=Correction.Kind.REOPEN_DUPLICATE).count() == 2  # one per record, once
    assert "Kasus data ganda dibuka kembali: Seharusnya data pertama yang disimpan" in history(clerk, record.pk)


# The pages: buttons where the mistake is seen, for the role that may use them

def test_the_print_desk_offers_undo_on_todays_work_and_the_same_post_twice_undoes_once(kupang, clerk, keeper, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=1)
    undo = f"/cetak/{jobs[0].pk}/koreksi/undo_printed/"
    assert undo in page(logged_in(clerk).get("/cetak/"))
    assert undo not in page(logged_in(keeper).get("/cetak/"))
    client = logged_in(clerk)
    assert "Kartu salah ditandai tercetak" in page(client.get(undo, {"next": "/cetak/"}))
    for _twice in range(2):
        done = client.post(undo, {"reason": "Salah klik", "next": "/cetak/"}, follow=True)
        assert done.redirect_chain[-1][0] == "/cetak/"
    assert messages_of(done) == ["Tanda tercetak Yohanes Ndoen diurungkan: blanko kembali dan kartu masuk antrean lagi di tempatnya."]
    assert figures(kupang, "on_hand", "printed", "queued") == (4, 0, 4)
    assert Correction.objects.count() == 1
    assert "Tanda tercetak diurungkan: Salah klik" in page(client.get("/cetak/"))


def test_a_clerk_is_refused_the_day_after_and_the_head_is_not(kupang, clerk, head, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=1)
    PrintJob.objects.filter(pk=jobs[0].pk).update(printed_at=timezone.now() - timedelta(days=1))
    undo = f"/cetak/{jobs[0].pk}/koreksi/undo_printed/"
    assert undo not in history(clerk, jobs[0].enrollment_id)
    assert undo in history(head, jobs[0].enrollment_id)
    refused = logged_in(clerk).post(undo, {"reason": "salah klik"}, follow=True)
    assert "setelah hari kerjanya hanya untuk kepala dinas" in messages_of(refused)[0]
    assert figures(kupang, "printed") == (1,)
    logged_in(head).post(undo, {"reason": "salah klik kemarin"})
    assert figures(kupang, "printed", "queued") == (0, 4)


def test_the_pickup_desk_offers_defective_and_undo_pickup_to_the_clerk(kupang, clerk, keeper, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=2)
    record_pickup(job=jobs[1], by=clerk)
    client = logged_in(clerk)
    ready = page(client.get(f"/pengambilan/{jobs[0].pk}/"))
    assert f"/cetak/{jobs[0].pk}/koreksi/defective/" in ready
    assert f"/cetak/{jobs[1].pk}/koreksi/undo_pickup/" in page(client.get(f"/pengambilan/{jobs[1].pk}/"))
    assert "/koreksi/" not in page(logged_in(keeper).get(f"/pengambilan/{jobs[1].pk}/"))
    done = client.post(f"/cetak/{jobs[1].pk}/koreksi/undo_pickup/", {"reason": "Salah kartu", "next": "/pengambilan/"}, follow=True)
    assert done.redirect_chain[-1][0] == "/pengambilan/"
    assert figures(kupang, "ready_for_pickup", "collected") == (2, 0)
    client.post(f"/cetak/{jobs[0].pk}/koreksi/defective/", {"reason": "Foto buram"})
    assert queue_names(kupang)[0] == "Yohanes Ndoen"


def test_a_correction_needs_a_reason_and_the_page_says_so(kupang, clerk, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=1)
    refused = logged_in(clerk).post(f"/cetak/{jobs[0].pk}/koreksi/undo_printed/", {"reason": ""})
    assert refused.status_code == 200 and "Sebutkan alasan koreksi ini." in refused.content.decode()
    assert figures(kupang, "printed") == (1,)


def test_the_card_record_lets_a_clerk_correct_a_typo_and_void_a_wrong_record(kupang, clerk, keeper, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, RESIDENTS[:2], printed=0)
    record = jobs[1].enrollment
    assert f"/perekaman/{record.pk}/koreksi/" in history(clerk, record.pk)
    assert f"/perekaman/{record.pk}/koreksi/" not in history(keeper, record.pk)
    client = logged_in(clerk)
    form = {"name": "Maria Goreti Bria", "birth_place": "Kupang", "address": "Jl. Timor Raya No. 1", "rt": "001", "rw": "002",
            "village": "Oebobo", "subdistrict": "Oebobo", "reason": "Salah ketik"}
    client.post(f"/perekaman/{record.pk}/koreksi/", form, follow=True)
    again = client.post(f"/perekaman/{record.pk}/koreksi/", form, follow=True)
    assert messages_of(again) == ["Tidak ada yang berbeda dari data perekaman; tidak ada yang berubah."]
    assert Enrollment.objects.get(pk=record.pk).name == "Maria Goreti Bria"
    assert logged_in(keeper).post(f"/perekaman/{record.pk}/batalkan/", {"reason": "NIK salah"}).status_code == 403
    client.post(f"/perekaman/{record.pk}/batalkan/", {"reason": "NIK salah"})
    assert Enrollment.objects.get(pk=record.pk).state == EnrollmentState.VOID
    assert figures(kupang, "queued", "reserved") == (1, 1)
    assert f"/perekaman/{record.pk}/batalkan/" not in history(clerk, record.pk)


def test_an_outsider_gets_404_for_every_correction_of_another_office(kupang, clerk, outsider, tmp_path):
    jobs = queued_cards(kupang, clerk, tmp_path, printed=1)
    case = enrolled_twice(kupang, clerk, tmp_path)
    resolve_duplicate_case(case=case, by=clerk, keep=None, note="salah")
    client = logged_in(outsider)
    record = jobs[0].enrollment_id
    for url in (f"/cetak/{jobs[0].pk}/koreksi/undo_printed/", f"/cetak/{jobs[0].pk}/koreksi/defective/",
                f"/perekaman/{record}/koreksi/", f"/perekaman/{record}/batalkan/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert logged_in(f.user(outsider.office, Role.HEAD)).post(f"/data-ganda/{case.pk}/buka-kembali/", {"reason": "x"}).status_code == 404
    assert figures(kupang, "printed") == (1,)
    assert not Correction.objects.exclude(kind=Correction.Kind.REOPEN_DUPLICATE).exists()


# Receipts booked with a wrong quantity, real losses

def test_the_stock_keeper_raises_a_receipt_at_once_and_a_lowering_waits_for_the_head(kupang, clerk, keeper, head, tmp_path):
    queued_cards(kupang, clerk, tmp_path, RESIDENTS[:2], blanks=1)  # 1 blank: one card queued, one waiting
    receipt = receive_blanks(office=kupang, quantity=100, reference="470/020/DKPS/2018", by=keeper, delivery_note="SJ-20")
    build_print_queue(office=kupang, by=system_user())
    url = f"/stok/penerimaan/{receipt.pk}/koreksi/"
    client = logged_in(keeper)
    assert url in page(client.get("/stok/"))
    assert url not in page(logged_in(clerk).get("/stok/"))
    assert logged_in(clerk).get(url).status_code == 403
    for _twice in range(2):
        client.post(url, {"quantity": 120, "reason": "Salah hitung: 120 diterima"}, follow=True)
    assert figures(kupang, "received", "on_hand", "reserved") == (121, 121, 2)
    raised = BlankMovement.objects.get(reverses=receipt)
    assert (raised.kind, raised.quantity) == ("receipt", 20)
    lowered = client.post(url, {"quantity": 0, "reason": "Kardus kosong: tidak ada blanko"}, follow=True)
    assert "menunggu persetujuan kepala dinas" in messages_of(lowered)[0]
    assert figures(kupang, "received") == (121,)
    pending = ReceiptCorrection.objects.get(status=ReceiptCorrection.Status.PENDING)
    approve = f"/stok/koreksi/{pending.pk}/setujui/"
    assert approve not in page(client.get("/stok/"))
    head_client = logged_in(head)
    assert approve in page(head_client.get("/stok/"))
    assert client.post(approve).status_code == 403
    approved = head_client.post(approve, follow=True)
    # One blank is left (the first receipt) for two queued cards: the newest gives its blank back.
    assert figures(kupang, "received", "on_hand", "reserved", "queued", "recorded") == (1, 1, 1, 1, 1)
    assert any("1 kartu dalam antrean melepaskan blankonya" in text for text in messages_of(approved))
    assert queue_names(kupang) == ["Yohanes Ndoen"]
    head_client.post(approve)
    assert figures(kupang, "received") == (1,)


def test_the_head_rejects_a_receipt_correction_and_the_ledger_is_unchanged(kupang, keeper, head):
    receipt = receive_blanks(office=kupang, quantity=50, reference="470/021/DKPS/2018", by=keeper)
    pending = correct_receipt(receipt=receipt, quantity=40, reason="Salah hitung", by=keeper).made
    logged_in(head).post(f"/stok/koreksi/{pending.pk}/tolak/")
    pending.refresh_from_db()
    assert pending.status == ReceiptCorrection.Status.REJECTED
    assert figures(kupang, "received", "on_hand") == (50, 50)


def test_a_write_off_larger_than_the_free_blanks_says_how_many_cards_wait_again(kupang, clerk, keeper, tmp_path):
    queued_cards(kupang, clerk, tmp_path)  # 4 blanks, all reserved
    done = logged_in(keeper).post("/stok/rusak/", {"quantity": 3, "reference": "BA-01", "reason": "Terkena air"}, follow=True)
    assert "3 kartu dalam antrean melepaskan blankonya dan menunggu lagi di tempatnya." in " ".join(messages_of(done))
    assert figures(kupang, "on_hand", "reserved", "queued", "recorded") == (1, 1, 1, 3)
    assert queue_names(kupang) == ["Yohanes Ndoen"]
    assert spoil_blanks(office=kupang, quantity=3, reference="BA-01", reason="Terkena air", by=keeper)
    assert figures(kupang, "on_hand") == (1,)
