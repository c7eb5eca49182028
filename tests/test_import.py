"""A clerk loads the office's SIAK export: the CSV contract of import_enrollments."""
import csv
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from registry.models import DuplicateCase, Enrollment, EnrollmentState
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return f.office("5371")


def import_file(path, office="5371"):
    """call_command as the clerk's shell would see it: (exit code, output)."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("import_enrollments", str(path), "--office", office, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def rejected_rows(path):
    """The rejected-rows report as Excel in an Indonesian locale reads it: a BOM, then `;`-separated columns."""
    with open(f"{path}.rejected.csv", "rb") as report:
        assert report.read(3) == b"\xef\xbb\xbf"
    with open(f"{path}.rejected.csv", encoding="utf-8-sig", newline="") as report:
        return list(csv.DictReader(report, delimiter=";"))


def test_a_clean_export_is_imported_and_exits_0(office, tmp_path):
    path = f.siak_file(tmp_path / "siak.csv", [f.row("2018-02-01"), f.row("2018-03-01", sex="P", birth=date(1985, 1, 2))])
    code, out, _ = import_file(path)
    assert code == 0
    assert Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED).count() == 2
    assert "2 imported" in out or "2 diimpor" in out
    assert not (tmp_path / "siak.csv.rejected.csv").exists()


def test_semicolons_bom_any_column_order_extra_columns_and_three_date_formats(office, tmp_path):
    header = ["TANGGAL_REKAM", "Nama", "nik", "catatan", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kelurahan", "kecamatan"]
    rows = [
        f.row("01-02-2018", catatan="x"),
        f.row("02/02/2018", jenis_kelamin="LAKI-LAKI"),
        f.row("2018-02-03", sex="P", jenis_kelamin="perempuan", tanggal_lahir="17/05/1990"),
    ]
    path = f.siak_file(tmp_path / "siak.csv", rows, delimiter=";", header=header, encoding="utf-8-sig")
    assert open(path, "rb").read(3) == b"\xef\xbb\xbf"
    code, _, _ = import_file(path)
    assert code == 0
    dates = sorted(Enrollment.objects.values_list("enrolled_on", flat=True))
    assert dates == [date(2018, 2, 1), date(2018, 2, 2), date(2018, 2, 3)]
    assert set(Enrollment.objects.values_list("sex", flat=True)) == {"L", "P"}


def test_the_mothers_name_is_kept_when_the_file_has_it_and_left_blank_when_it_has_not(office, tmp_path):
    """nama_ibu is optional: with it, each record keeps it (trimmed); a file without it imports as before."""
    with_mother = f.siak_file(tmp_path / "with.csv", [f.row("2018-02-01", nama_ibu="  Maria Goreti Ndoen "),
                                                      f.row("2018-02-02", nama_ibu="")], header=f.HEADER_WITH_MOTHER)
    without = f.siak_file(tmp_path / "without.csv", [f.row("2018-02-03")])
    assert import_file(with_mother)[0] == 0 and import_file(without)[0] == 0
    assert dict(Enrollment.objects.values_list("enrolled_on", "mother_name")) == {
        date(2018, 2, 1): "Maria Goreti Ndoen", date(2018, 2, 2): "", date(2018, 2, 3): ""}


@pytest.mark.parametrize("mother, reason", [
    ("M" * 201, "nama_ibu lebih dari 200 karakter"),
    ("Maria\x1bGoreti", "nama_ibu berisi karakter kendali (kode 27)"),
])
def test_a_mothers_name_too_long_or_with_a_control_character_is_a_rejected_row(office, tmp_path, mother, reason):
    rows = [f.row("2018-02-01"), f.row("2018-02-02", nama_ibu=mother)]
    path = f.siak_file(tmp_path / "siak.csv", rows, header=f.HEADER_WITH_MOTHER)
    code, _, _ = import_file(path)
    assert code == 1
    assert Enrollment.objects.count() == 1
    [rejected] = rejected_rows(path)
    assert rejected["baris"] == "3" and reason in rejected["alasan"]


def test_running_the_same_file_again_changes_nothing(office, tmp_path):
    path = f.siak_file(tmp_path / "siak.csv", [f.row("2018-02-01"), f.row("2018-02-02")])
    assert import_file(path)[0] == 0
    before = list(Enrollment.objects.order_by("id").values())
    code, out, _ = import_file(path)
    assert code == 0
    assert list(Enrollment.objects.order_by("id").values()) == before
    assert DuplicateCase.objects.count() == 0


@pytest.mark.parametrize(
    "values, reason",
    [
        ({"nik": "53710117059"}, "16"),
        ({"nik": "9971011705900001"}, "9971"),
        ({"nik": "5371013305900001", "tanggal_lahir": "1990-05-33"}, "tanggal lahir"),
        ({"tanggal_lahir": "1991-05-17"}, "tanggal lahir"),
        ({"jenis_kelamin": "P"}, "jenis kelamin"),
        ({"jenis_kelamin": "X"}, "L atau P"),
        ({"tanggal_rekam": "2018-13-01"}, "tanggal_rekam"),
        ({"tanggal_rekam": (date.today() + timedelta(days=2)).isoformat()}, "masa depan"),
        ({"nama": ""}, "nama"),
    ],
)
def test_a_bad_row_is_rejected_with_its_line_and_a_reason_in_indonesian(office, tmp_path, values, reason):
    path = f.siak_file(tmp_path / "siak.csv", [f.row("2018-02-01"), f.row("2018-02-02", **values), f.row("2018-02-03")])
    code, out, _ = import_file(path)
    assert code == 1
    assert Enrollment.objects.count() == 2
    [rejected] = rejected_rows(path)
    assert rejected["baris"] == "3"
    assert reason.lower() in rejected["alasan"].lower()
    assert rejected["nama"] == values.get("nama", "Yohanes Ndoen")


def test_the_rejected_report_goes_once_every_row_is_fixed(office, tmp_path):
    path = f.siak_file(tmp_path / "siak.csv", [f.row("2018-02-01", jenis_kelamin="?")])
    assert import_file(path)[0] == 1
    assert (tmp_path / "siak.csv.rejected.csv").exists()
    f.siak_file(path, [f.row("2018-02-01")])
    assert import_file(path)[0] == 0
    assert not (tmp_path / "siak.csv.rejected.csv").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "kosong"),
        (b"nik,nama,tanggal_rekam\n5371011705900001,Budi,2018-01-01\n", "tanggal_lahir"),
        ("nik,nama,tempat_lahir,tanggal_lahir,jenis_kelamin,alamat,rt,rw,kelurahan,kecamatan,tanggal_rekam\n"
         "5371011705900001,Budi Süß,Kupang,1990-05-17,L,Jl,1,2,Oebobo,Oebobo,2018-01-01\n".encode("latin-1"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "UTF-8"),
        (b"just some text\nnothing like a table\n", "kolom"),
    ],
)
def test_an_unusable_file_exits_2_with_one_line_and_imports_nothing(office, tmp_path, content, message):
    good = f.siak_file(tmp_path / "good.csv", [f.row("2018-02-01")])
    import_file(good)
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, out, err = import_file(path)
    assert code == 2
    assert Enrollment.objects.count() == 1
    assert message.lower() in err.lower()
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "bad.csv.rejected.csv").exists()


def test_a_file_that_breaks_utf8_after_many_good_rows_imports_nothing(office, tmp_path):
    path = f.siak_file(tmp_path / "siak.csv", [f.row(date(2017, 1, 1) + timedelta(days=i)) for i in range(300)])
    with open(path, "ab") as out:
        out.write("5371011705900001,Jos\xe9,Kupang,1990-05-17,L,Jl,1,2,Oebobo,Oebobo,2018-01-01\n".encode("latin-1"))
    code, _, err = import_file(path)
    assert code == 2
    assert Enrollment.objects.count() == 0



def test_a_re_enrollment_opens_a_duplicate_case_and_holds_both_records(office, tmp_path):
    resident = f.nik()
    first = f.siak_file(tmp_path / "may.csv", [f.row("2017-05-02", number=resident)])
    import_file(first)
    second = f.siak_file(tmp_path / "feb.csv", [f.row("2018-02-10", number=resident), f.row("2018-02-11")])
    code, out, _ = import_file(second)
    assert code == 0
    case = DuplicateCase.objects.get(nik=resident)
    assert case.status == DuplicateCase.Status.OPEN
    assert sorted(case.enrollments.values_list("state", flat=True)) == ["on_hold", "on_hold"]
    assert Enrollment.objects.filter(state=EnrollmentState.RECORDED).count() == 1
    import_file(second)
    assert DuplicateCase.objects.count() == 1


def test_a_siak_named_export_with_its_own_column_names_imports(office, tmp_path):
    """SIAK's names in any case and order, `;` and a BOM, sex 1/2, marital status by name or code, the family card kept."""
    header = [name.lower() if i % 2 else name for i, name in enumerate(reversed(f.SIAK_HEADER))] + ["KETERANGAN"]
    rows = [f.siak_row("2018-02-01", jenis_kelamin="1", status_kawin="CERAI MATI"),
            f.siak_row("2018-02-02", sex="P", jenis_kelamin="2", status_kawin="2", no_kk="", status_ktp_el="prr")]
    path = f.siak_file(tmp_path / "siak.csv", rows, header=header, delimiter=";", encoding="utf-8-sig")
    code, out, err = import_file(path)
    assert code == 0, err
    assert list(Enrollment.objects.order_by("enrolled_on").values_list(
        "sex", "marital_status", "family_card", "ktp_status", "mother_name", "subdistrict")) == [
        ("L", "4", "5371012005170007", "PRINT READY RECORD", f.MOTHER, "Oebobo"),
        ("P", "2", "", "PRINT READY RECORD", f.MOTHER, "Oebobo")]
    assert import_file(path)[0] == 0 and Enrollment.objects.count() == 2


def test_a_file_in_the_projects_own_names_keeps_importing_as_before_with_the_new_columns_optional(office, tmp_path):
    path = f.siak_file(tmp_path / "siak.csv", [f.row("2018-02-01", no_kk="5371012005170007", status_kawin="1")],
                       header=[*f.HEADER, "no_kk", "status_kawin"])
    assert import_file(path)[0] == 0
    assert Enrollment.objects.values_list("family_card", "marital_status", "ktp_status").get() == ("5371012005170007", "1", "")


def test_a_header_that_fits_no_profile_exits_2_naming_what_the_closest_misses(office, tmp_path):
    header = [name for name in f.SIAK_HEADER if name not in ("NAMA_KEC", "EKTP_CREATED_DATE")]
    path = f.siak_file(tmp_path / "siak.csv", [f.siak_row("2018-02-01")], header=header)
    code, out, err = import_file(path)
    assert code == 2 and not Enrollment.objects.exists()
    assert "profil terdekat, SIAK, tidak memiliki kolom NAMA_KEC, EKTP_CREATED_DATE" in err


@pytest.mark.parametrize("status", ["PRINT READY RECORD", "print ready record", "PRR", "Print_Ready_Record", "SENT FOR CARD PRINTING"])
def test_a_print_ready_record_is_imported_and_waits_for_a_blank(office, tmp_path, status):
    path = f.siak_file(tmp_path / "siak.csv", [f.siak_row("2018-02-01", status_ktp_el=status)], header=f.SIAK_HEADER)
    assert import_file(path)[0] == 0
    assert Enrollment.objects.get().state == EnrollmentState.RECORDED


@pytest.mark.parametrize("status, reason", [
    ("MENUNGGU", "status KTP-el (status_ktp_el) 'MENUNGGU' bukan status SIAK"),
    ("", "status KTP-el (status_ktp_el) kosong"),
])
def test_an_unknown_or_empty_ktp_el_status_is_a_rejected_row_naming_it(office, tmp_path, status, reason):
    rows = [f.siak_row("2018-02-01"), f.siak_row("2018-02-02", status_ktp_el=status)]
    path = f.siak_file(tmp_path / "siak.csv", rows, header=f.SIAK_HEADER)
    assert import_file(path)[0] == 1
    assert Enrollment.objects.count() == 1
    [rejected] = rejected_rows(path)
    assert rejected["baris"] == "3" and reason in rejected["alasan"]


@pytest.mark.parametrize("values, reason", [
    ({"nik": "5,37101E+15"}, "NIK 5,37101E+15 tersimpan sebagai angka: Excel hanya menyimpan 15 digit"),
    ({"nik": "5.37101E+15"}, "Format Cells > Text"),
    ({"no_kk": "5,37101E+15"}, "NO_KK 5,37101E+15 tersimpan sebagai angka: Excel hanya menyimpan 15 digit"),
    ({"no_kk": "53710120051700"}, "nomor kartu keluarga (no_kk) '53710120051700' harus 16 digit"),
    ({"status_kawin": "JANDA"}, "status perkawinan (status_kawin) 'JANDA' harus 1-4"),
])
def test_a_number_excel_mangled_or_a_bad_family_card_or_marital_status_is_a_rejected_row(office, tmp_path, values, reason):
    path = f.siak_file(tmp_path / "siak.csv", [f.siak_row("2018-02-01", **values)], header=f.SIAK_HEADER)
    assert import_file(path)[0] == 1
    [rejected] = rejected_rows(path)
    assert reason in rejected["alasan"]
