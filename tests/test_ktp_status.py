"""The KTP-el status decides what may be printed, and a later SIAK export moves the office's cards on."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from backlog import corrections
from backlog.desks import mark_printed
from backlog.duplicates import record_visit
from backlog.ledger import receive_blanks
from backlog.queue import build_print_queue
from backlog.suket import issue_suket
from backlog.work import due_work
from inventory.selectors import REPORT_FIELDS, blanks_to_ask_for, ledger_breaches, not_printable, stock_report
from people.roles import system_user
from printing.models import PrintJob
from printing.selectors import queue_in_print_order
from public.selectors import find_cards
from registry.models import DuplicateCase, Enrollment, EnrollmentImport, EnrollmentState as S, EnrollmentUpload, StatusUpdate
from tests import factories as f
from tests.pages import as_user
from tests.test_import import import_file

pytestmark = pytest.mark.django_db

OUTCOMES = {
    "PRINT READY RECORD": S.RECORDED, "SENT FOR CARD PRINTING": S.RECORDED, "SENT FOR ENROLLMENT": S.AT_CENTRE,
    "ENROLL FAILURE AT REGION": S.FAILED, "ENROLL FAILURE AT CENTRAL": S.FAILED, "SEARCH FAILURE AT CENTRAL": S.FAILED,
    "BAD RECORD": S.FAILED, "DUPLICATE RECORD": S.ON_HOLD, "ADJUDICATE RECORD": S.ON_HOLD,
}
CARDED = ("CARD PRINTED", "CARD SHIPPED", "CARD ISSUED")


def export(tmp_path, rows, name="siak.csv", workbook=False):
    """A SIAK export of these rows (siak_row), as a CSV or as an Excel workbook."""
    if workbook:
        return f.workbook(tmp_path / name.replace(".csv", ".xlsx"), {"Sheet1": f.siak_sheet(rows)})
    return f.siak_file(tmp_path / name, rows, header=f.SIAK_HEADER)


def resident(serial, status, day="2018-02-01", **extra):
    return f.siak_row(day, number=f.nik(serial=serial), status_ktp_el=status, **extra)


@pytest.mark.parametrize("workbook", [False, True], ids=["csv", "xlsx"])
def test_each_status_decides_what_becomes_of_its_row(kupang, tmp_path, workbook):
    statuses = [*OUTCOMES, *CARDED]
    rows = [resident(9000 + i, status) for i, status in enumerate(statuses)] + [resident(9100, "MENUNGGU")]
    code, out, err = import_file(export(tmp_path, rows, workbook=workbook))
    assert code == 1
    held = dict(Enrollment.objects.values_list("ktp_status", "state"))
    assert held == OUTCOMES
    assert "KTP-el: 2 siap cetak, 1 di pusat, 4 gagal (untuk dipanggil kembali), 2 ditandai pusat sebagai data ganda, " \
           "3 sudah memiliki kartu (tidak diimpor), 1 ditolak" in out
    flagged = DuplicateCase.objects.filter(flagged_by_centre=True, status=DuplicateCase.Status.OPEN)
    assert flagged.count() == 2 and all(case.enrollments.count() == 1 for case in flagged)
    report = stock_report(kupang)
    assert (report["recorded"], report["at_centre"], report["failed"], report["on_hold"]) == (2, 1, 4, 2)
    assert list(report)[-2:] == ["at_centre", "failed"] and REPORT_FIELDS[:12] == (
        "on_hand", "reserved", "available", "received", "printed", "spoiled", "adjusted",
        "recorded", "queued", "ready_for_pickup", "collected", "on_hold")
    assert ledger_breaches(kupang) == []
    assert import_file(export(tmp_path, rows, workbook=workbook))[0] == 1
    assert dict(Enrollment.objects.values_list("ktp_status", "state")) == OUTCOMES


def test_only_print_ready_cards_take_a_blank_and_the_dashboard_asks_for_them_alone(kupang, clerk, keeper, tmp_path):
    rows = [resident(1, "PRINT READY RECORD"), resident(2, "SENT FOR ENROLLMENT", "2017-01-05"), resident(3, "BAD RECORD"),
            resident(4, "DUPLICATE RECORD")]
    import_file(export(tmp_path, rows))
    receive_blanks(office=kupang, quantity=10, reference="R1", by=keeper)
    build_print_queue(office=kupang, by=system_user())
    assert [job.enrollment.ktp_status for job in queue_in_print_order(kupang)] == ["PRINT READY RECORD"]
    assert blanks_to_ask_for(kupang).backlog == 1  # the flagged card is on hold: 1 on hold + 0 recorded after the build
    held_back = not_printable(kupang)
    assert (held_back.at_centre, held_back.oldest_at_centre, held_back.failed) == (1, date(2017, 1, 5), 1)


def test_a_suket_is_issued_while_the_card_is_at_the_centre_and_my_card_says_since_when(kupang, clerk, tmp_path):
    import_file(export(tmp_path, [resident(1, "SENT FOR ENROLLMENT", "2018-03-04"), resident(2, "ENROLL FAILURE AT CENTRAL")]))
    at_centre = Enrollment.objects.get(state=S.AT_CENTRE)
    assert issue_suket(enrollment=at_centre, by=clerk).number
    with pytest.raises(ValidationError):
        issue_suket(enrollment=Enrollment.objects.get(state=S.FAILED), by=clerk)
    [card] = find_cards(nik=at_centre.nik, birth_date=at_centre.birth_date, mother_name=f.MOTHER)
    assert (card.state, card.since) == (S.AT_CENTRE, date(2018, 3, 4))


def test_my_card_tells_a_resident_at_the_centre_to_wait_and_a_failed_one_to_record_again(kupang, client, tmp_path):
    import_file(export(tmp_path, [resident(1, "SENT FOR ENROLLMENT", "2018-03-04"), resident(2, "BAD RECORD")]))
    for record, text in [(Enrollment.objects.get(state=S.AT_CENTRE), "Menunggu verifikasi pusat"),
                         (Enrollment.objects.get(state=S.FAILED), "rekam ulang")]:
        page = client.post(reverse("public_my_card"), {"nik": record.nik, "tanggal_lahir": record.birth_date.isoformat(),
                                                       "nama_ibu": f.MOTHER}).content.decode()
        assert text.lower() in page.lower(), page


def test_the_enrollments_desk_lists_the_residents_to_call_back_and_those_at_the_centre(kupang, clerk, tmp_path):
    import_file(export(tmp_path, [resident(1, "SENT FOR ENROLLMENT"), resident(2, "BAD RECORD"), resident(3, "PRR")]))
    failed = Enrollment.objects.get(state=S.FAILED)
    page = as_user(Client(), clerk).get(reverse("enrollments"), {"state": "failed"}).content.decode()
    assert failed.nik in page and Enrollment.objects.get(state=S.AT_CENTRE).nik not in page
    assert "1 menunggu verifikasi pusat" in page and "1 perekaman gagal" in page


def test_a_new_recording_supersedes_the_failed_one_and_opens_no_case(kupang, tmp_path):
    import_file(export(tmp_path, [resident(1, "ENROLL FAILURE AT REGION", "2017-05-01")], "first.csv"))
    failed = Enrollment.objects.get()
    again = f.siak_row("2018-06-01", number=failed.nik, status_ktp_el="SENT FOR ENROLLMENT")
    assert import_file(export(tmp_path, [again], "again.csv"))[0] == 0
    failed.refresh_from_db()
    assert failed.state == S.VOID
    assert Enrollment.objects.get(enrolled_on=date(2018, 6, 1)).state == S.AT_CENTRE
    assert not DuplicateCase.objects.exists()
    assert ledger_breaches(kupang) == []


def test_a_re_enrolled_pair_whose_newer_row_the_centre_flags_is_one_case(kupang, tmp_path):
    import_file(export(tmp_path, [resident(1, "PRINT READY RECORD", "2017-05-01")], "first.csv"))
    older = Enrollment.objects.get()
    flagged = f.siak_row("2018-06-01", number=older.nik, status_ktp_el="DUPLICATE RECORD")
    import_file(export(tmp_path, [flagged], "again.csv"))
    case = DuplicateCase.objects.get()
    assert case.flagged_by_centre and case.status == DuplicateCase.Status.OPEN
    assert set(case.enrollments.values_list("state", flat=True)) == {S.ON_HOLD} and case.enrollments.count() == 2


def test_the_office_records_the_visit_and_a_later_print_ready_closes_the_centres_case(kupang, clerk, tmp_path):
    row = resident(1, "ADJUDICATE RECORD", "2017-05-01")
    import_file(export(tmp_path, [row], "first.csv"))
    case = DuplicateCase.objects.get()
    record_visit(case=case, by=clerk, visited_on=date(2018, 7, 2), documents="KK, akta kelahiran")
    case.refresh_from_db()
    assert (case.visited_on, case.documents_sent, case.visit_recorded_by) == (date(2018, 7, 2), "KK, akta kelahiran", clerk)
    page = as_user(Client(), clerk).get(reverse("duplicate_detail", args=[case.pk])).content.decode()
    assert "ditandai pusat" in page and "KK, akta kelahiran" in page
    code, out, err = import_file(export(tmp_path, [{**row, "status_ktp_el": "PRINT READY RECORD"}], "later.csv"))
    assert code == 0, err
    case.refresh_from_db()
    record = Enrollment.objects.get()
    assert case.status == DuplicateCase.Status.RESOLVED and case.kept == record
    assert (record.state, record.ktp_status) == (S.RECORDED, "PRINT READY RECORD")
    assert ledger_breaches(kupang) == []


def test_the_visit_form_answers_on_the_case_page(kupang, clerk, tmp_path):
    import_file(export(tmp_path, [resident(1, "DUPLICATE RECORD")]))
    case = DuplicateCase.objects.get()
    client = as_user(Client(), clerk)
    response = client.post(reverse("duplicate_visit", args=[case.pk]), {"visited_on": "2018-07-02", "documents": "KK"})
    assert response.status_code == 302
    assert DuplicateCase.objects.get().documents_sent == "KK"


# A later export

def test_a_later_export_moves_cards_on_and_lists_what_contradicts_the_office(kupang, clerk, keeper, tmp_path):
    first = [resident(1, "SENT FOR ENROLLMENT", "2017-01-01", nama_ibu=""),  # -> print-ready
             resident(2, "PRINT READY RECORD", "2017-01-02"),  # queued -> flagged: gives its blank back
             resident(3, "PRINT READY RECORD", "2017-01-09"),  # waiting -> the card exists: leaves the backlog
             resident(4, "PRINT READY RECORD", "2017-01-04"),  # queued -> CARD PRINTED: contradiction
             resident(5, "PRINT READY RECORD", "2017-01-05"),  # printed -> failure: contradiction
             resident(6, "SENT FOR ENROLLMENT", "2017-01-06"),  # -> failed
             resident(7, "PRINT READY RECORD", "2017-01-07", no_kk="")]  # voided -> stays void
    import_file(export(tmp_path, first, "first.csv"))
    by_serial = {i + 1: Enrollment.objects.get(nik=row["nik"]) for i, row in enumerate(first)}
    corrections.void_record(enrollment=by_serial[7], by=clerk, reason="NIK salah")
    receive_blanks(office=kupang, quantity=3, reference="R1", by=keeper)
    build_print_queue(office=kupang, by=system_user())
    mark_printed(job=PrintJob.objects.get(enrollment=by_serial[5]), by=clerk)
    assert set(Enrollment.objects.filter(state=S.QUEUED).values_list("pk", flat=True)) == {by_serial[2].pk, by_serial[4].pk}
    later = [{**first[0], "status_ktp_el": "PRINT READY RECORD", "nama_ibu": f.MOTHER},
             {**first[1], "status_ktp_el": "DUPLICATE RECORD"}, {**first[2], "status_ktp_el": "CARD ISSUED"},
             {**first[3], "status_ktp_el": "CARD PRINTED"}, {**first[4], "status_ktp_el": "BAD RECORD"},
             {**first[5], "status_ktp_el": "SEARCH FAILURE AT CENTRAL"}, {**first[6], "status_ktp_el": "PRR", "no_kk": "5371012005170007"}]
    code, out, err = import_file(export(tmp_path, later, "later.csv"))
    assert code == 0, err
    states = {serial: Enrollment.objects.get(pk=record.pk).state for serial, record in by_serial.items()}
    assert states == {1: S.RECORDED, 2: S.ON_HOLD, 3: S.VOID, 4: S.QUEUED, 5: S.READY, 6: S.FAILED, 7: S.VOID}
    assert Enrollment.objects.get(pk=by_serial[1].pk).mother_name == f.MOTHER
    assert Enrollment.objects.get(pk=by_serial[7].pk).family_card == ""
    assert DuplicateCase.objects.get(nik=by_serial[2].nik).flagged_by_centre
    assert "7 data yang sudah ada" in out
    listed = {line.split()[2] for line in out.splitlines() if line.startswith("perlu diperiksa")}
    assert listed == {by_serial[3].nik, by_serial[4].nik, by_serial[5].nik}
    assert stock_report(kupang)["reserved"] == 1  # the flagged card's blank came back
    assert not StatusUpdate.objects.filter(applied_at__isnull=True).exists()
    assert ledger_breaches(kupang) == []
    assert import_file(export(tmp_path, later, "later.csv"))[0] == 0
    assert {serial: Enrollment.objects.get(pk=record.pk).state for serial, record in by_serial.items()} == states


def test_a_field_the_office_corrected_is_not_overwritten_and_an_empty_one_is_filled(kupang, clerk, tmp_path):
    row = resident(1, "SENT FOR ENROLLMENT", "2017-01-01", nama_ibu="", no_kk="", status_kawin="")
    import_file(export(tmp_path, [row], "first.csv"))
    record = Enrollment.objects.get()
    corrections.edit_record(enrollment=record, by=clerk, reason="salah ketik", values={"name": "Yohanes Ndoen Tefa"})
    import_file(export(tmp_path, [{**row, "nama": "YOHANES N", "nama_ibu": f.MOTHER, "no_kk": "5371012005170007",
                                   "status_kawin": "KAWIN"}], "later.csv"))
    record.refresh_from_db()
    assert (record.name, record.mother_name, record.family_card, record.marital_status) == (
        "Yohanes Ndoen Tefa", f.MOTHER, "5371012005170007", "2")


def test_updates_left_by_a_dead_worker_are_taken_up_by_the_sweep(kupang, tmp_path, monkeypatch):
    row = resident(1, "SENT FOR ENROLLMENT", "2017-01-01")
    import_file(export(tmp_path, [row], "first.csv"))
    monkeypatch.setattr("backlog.work.send", lambda *args: None)  # the worker that was to apply them died
    from backlog.imports import import_enrollments
    run = import_enrollments(office=kupang, path=export(tmp_path, [{**row, "status_ktp_el": "PRR"}], "later.csv"),
                             by=f.user(kupang)).run
    assert Enrollment.objects.get().state == S.AT_CENTRE
    assert due_work().status_runs == [run.pk]
    EnrollmentImport.objects.filter(pk=run.pk).update(finished_at=run.finished_at - timedelta(hours=1))  # the sweep comes later
    monkeypatch.undo()
    from backlog.tasks import sweep_due_work
    sweep_due_work()
    assert Enrollment.objects.get().state == S.RECORDED and due_work().status_runs == []


def test_the_upload_page_counts_each_outcome_and_lists_what_to_look_at(kupang, clerk, tmp_path, django_capture_on_commit_callbacks):
    from tests.pages import upload_file

    row = resident(1, "PRINT READY RECORD", "2017-01-01")
    import_file(export(tmp_path, [row], "first.csv"))
    client = as_user(Client(), clerk)
    with django_capture_on_commit_callbacks(execute=True):
        upload_file(client, export(tmp_path, [{**row, "status_ktp_el": "CARD PRINTED"}, resident(2, "BAD RECORD")], "later.csv"))
    upload = EnrollmentUpload.objects.get()
    page = client.get(reverse("enrollment_upload_status", args=[upload.pk])).content.decode()
    for outcome in ("failed", "carded", "updates"):
        assert f'data-outcome="{outcome}">1<' in page, outcome
    assert row["nik"] in page
    assert "meninggalkan antrean" in page.lower()


def test_the_updates_commit_batch_by_batch_and_a_run_cut_short_is_finished_later(kupang, tmp_path, monkeypatch):
    rows = [resident(i, "SENT FOR ENROLLMENT", f"2017-01-{i:02d}") for i in range(1, 6)]
    import_file(export(tmp_path, rows, "first.csv"))
    monkeypatch.setattr("backlog.work.send", lambda *args: None)
    from backlog import statuses
    from backlog.imports import import_enrollments
    run = import_enrollments(office=kupang, path=export(tmp_path, [{**row, "status_ktp_el": "PRR"} for row in rows], "later.csv"),
                             by=f.user(kupang)).run
    applied, real = [], statuses._apply

    def dies_in_the_second_batch(*args):
        if applied:
            raise RuntimeError("the worker died")
        applied.append(real(*args))
        return applied[-1]

    monkeypatch.setattr(statuses, "_apply", dies_in_the_second_batch)
    with pytest.raises(RuntimeError):
        statuses.apply_status_updates(run_id=run.pk, batch=2, by=system_user())
    assert Enrollment.objects.filter(state=S.RECORDED).count() == 2  # the first batch committed
    assert ledger_breaches(kupang) == []
    monkeypatch.setattr(statuses, "_apply", real)
    assert statuses.apply_status_updates(run_id=run.pk, batch=2, by=system_user())["applied"] == 3
    assert Enrollment.objects.filter(state=S.RECORDED).count() == 5
    assert statuses.apply_status_updates(run_id=run.pk, by=system_user()) == {}


@pytest.mark.postgres
def test_the_migration_leaves_the_state_check_validated_with_the_new_states():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'enrollment_state_is_known'")
        validated, definition = cursor.fetchone()
    assert validated and "'at_centre'" in definition and "'failed'" in definition


def test_print_ready_for_both_records_of_a_flagged_pair_closes_the_one_case(kupang, tmp_path):
    older = resident(1, "PRINT READY RECORD", "2017-05-01")
    import_file(export(tmp_path, [older], "first.csv"))
    newer = {**older, "tanggal_rekam": "2018-06-01", "status_ktp_el": "DUPLICATE RECORD"}
    import_file(export(tmp_path, [newer], "again.csv"))
    code, out, err = import_file(export(tmp_path, [{**newer, "status_ktp_el": "PRR"}, older], "later.csv"))
    assert code == 0, err
    case = DuplicateCase.objects.get()
    assert case.status == DuplicateCase.Status.RESOLVED and case.kept.enrolled_on == date(2017, 5, 1)
    assert dict(Enrollment.objects.values_list("enrolled_on", "state")) == {date(2017, 5, 1): S.RECORDED, date(2018, 6, 1): S.VOID}


def test_the_suket_of_a_superseded_failed_recording_ends(kupang, clerk, tmp_path):
    first = resident(1, "SENT FOR ENROLLMENT", "2017-05-01")
    import_file(export(tmp_path, [first], "first.csv"))
    suket = issue_suket(enrollment=Enrollment.objects.get(), by=clerk)
    import_file(export(tmp_path, [{**first, "status_ktp_el": "BAD RECORD"}], "failed.csv"))
    assert Enrollment.objects.get().state == S.FAILED
    import_file(export(tmp_path, [{**first, "tanggal_rekam": "2018-06-01", "status_ktp_el": "SENT FOR ENROLLMENT"}], "again.csv"))
    suket.refresh_from_db()
    assert suket.ended_on is not None and not DuplicateCase.objects.exists()


def test_what_a_command_import_lists_stays_on_the_enrollments_desk(kupang, clerk, head, tmp_path):
    row = resident(1, "PRINT READY RECORD", "2017-01-01")
    import_file(export(tmp_path, [row], "first.csv"))
    import_file(export(tmp_path, [{**row, "status_ktp_el": "CARD SHIPPED"}], "later.csv"))
    for person in (clerk, head):
        page = as_user(Client(), person).get(reverse("enrollments_to_look_at")).content.decode()
        assert row["nik"] in page and "CARD SHIPPED" in page
