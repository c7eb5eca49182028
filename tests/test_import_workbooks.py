"""A clerk loads the office's SIAK export as Excel keeps it (.xlsx): the same contract as the CSV, Excel's realities, hostile workbooks."""
import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registry.models import Enrollment, EnrollmentUpload
from tests import factories as f
from tests.pages import as_user, upload_file
from tests.test_import import import_file
from tests.test_limits import PEAK_MEMORY_BOUND, run_measured

pytestmark = pytest.mark.django_db
NIK = "5371011705900001"  # a man born 17 May 1990 in Kota Kupang


@pytest.fixture
def office():
    return f.office("5371")


def rejected_workbook(path):
    """The rejected rows as the clerk opens them in Excel: {sheet: rows of (value, cell type)}."""
    book = load_workbook(f"{path}.rejected.xlsx")
    return {sheet.title: [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()] for sheet in book}


def test_a_siak_workbook_imports_with_date_cells_numbers_in_rt_and_rw_and_codes(office, tmp_path):
    rows = [f.siak_row("2018-02-01", number=NIK, rt=8, rw=12.0, jenis_kelamin=1, status_kawin=2),
            f.siak_row("2018-02-02", sex="P", jenis_kelamin="P", rt="'005", nama_ibu="'Maria")]
    path = f.workbook(tmp_path / "siak.xlsx", {"Sheet1": f.siak_sheet(rows)})
    code, out, err = import_file(path)
    assert code == 0, err
    first, second = Enrollment.objects.order_by("enrolled_on")
    assert (first.nik, first.birth_date, first.enrolled_on, first.rt, first.rw, first.sex, first.marital_status) == (
        NIK, date(1990, 5, 17), date(2018, 2, 1), "008", "012", "L", "2")
    assert (first.family_card, first.ktp_status) == ("5371012005170007", "PRINT READY RECORD")
    assert (second.sex, second.rt, second.mother_name, second.marital_status) == ("P", "005", "Maria", "1")
    before = list(Enrollment.objects.order_by("id").values())
    assert import_file(path)[0] == 0
    assert list(Enrollment.objects.order_by("id").values()) == before


def test_the_kind_is_told_from_the_content_not_the_name(office, tmp_path):
    path = f.workbook(tmp_path / "siak.csv", {"SIAK": f.siak_sheet([f.siak_row("2018-02-01")])})
    assert import_file(path)[0] == 0 and Enrollment.objects.count() == 1


def test_a_date_typed_as_a_serial_number_or_as_text_and_the_projects_own_names_in_a_workbook(office, tmp_path):
    """A birth date in a General-formatted cell is Excel's serial number (33010 is 17 May 1990); text dates read as in a CSV."""
    header = [*f.HEADER, "status_ktp_el"]
    rows = [header, [NIK, "Yohanes Ndoen", "Kupang", 33_010, "L", "Jl. Timor Raya", 1, 2.0, "Oebobo", "Oebobo", "01/02/2018", "PRR"]]
    path = f.workbook(tmp_path / "siak.xlsx", {"Data": rows})
    assert import_file(path)[0] == 0
    assert Enrollment.objects.values_list("birth_date", "enrolled_on", "rt", "rw").get() == (
        date(1990, 5, 17), date(2018, 2, 1), "001", "002")


def test_every_sheet_whose_header_fits_is_read_and_an_empty_sheet_is_passed_over(office, tmp_path):
    first = f.siak_sheet([f.siak_row("2018-02-01"), f.siak_row("2018-02-02")])
    second = f.siak_sheet([f.siak_row("2018-02-03")], header=list(reversed(f.SIAK_HEADER)))
    path = f.workbook(tmp_path / "siak.xlsx", {"Bagian 1": first, "Kosong": [], "Bagian 2": second})
    assert import_file(path)[0] == 0
    assert sorted(Enrollment.objects.values_list("enrolled_on", flat=True)) == [date(2018, 2, 1), date(2018, 2, 2), date(2018, 2, 3)]


def test_rows_on_a_sheet_that_fits_no_profile_refuse_the_workbook_and_import_nothing(office, tmp_path):
    path = f.workbook(tmp_path / "siak.xlsx", {"SIAK": f.siak_sheet([f.siak_row("2018-02-01")]),
                                               "Catatan": [["Diekspor oleh operator kecamatan"]]})
    code, out, err = import_file(path)
    assert code == 2 and not Enrollment.objects.exists()
    assert "lembar 'Catatan' berisi baris, tetapi header tidak cocok dengan profil kolom" in err
    assert len(err.strip().splitlines()) == 1


def test_a_nik_or_family_card_excel_kept_as_a_number_is_rejected_and_comes_back_as_text(office, tmp_path):
    rows = [f.siak_row("2018-02-01"),
            f.siak_row("2018-02-02", number=5371011705900002),
            f.siak_row("2018-02-03", number="5,37101E+15"),
            f.siak_row("2018-02-04", no_kk=5371012005170007.0),
            f.siak_row("2018-02-05", name="+HYPERLINK(\"http://x\")", jenis_kelamin="X")]
    path = f.workbook(tmp_path / "siak.xlsx", {"SIAK": f.siak_sheet(rows)})
    code, out, err = import_file(path)
    assert code == 1 and Enrollment.objects.count() == 1
    assert "siak.xlsx.rejected.xlsx" in out and not (tmp_path / "siak.xlsx.rejected.csv").exists()
    [(name, table)] = rejected_workbook(path).items()
    assert name == "SIAK"
    assert [value for value, _type in table[0][:3]] == ["baris", "alasan", "NIK"]
    reasons = {row[0][0]: row[1][0] for row in table[1:]}
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "Excel hanya menyimpan 15 digit" in reasons[3] and reasons[3].startswith("NIK 5371011705900002.0 tersimpan sebagai angka")
    assert reasons[4].startswith("NIK 5,37101E+15 tersimpan sebagai angka")
    assert reasons[5].startswith("NO_KK 5371012005170007.0 tersimpan sebagai angka")
    # Every cell of the report is text: the NIK keeps its digits, the name is no formula.
    assert all(kind == "s" for row in table[1:] for value, kind in row[1:] if value is not None)
    assert table[1][2] == ("5371011705900002", "s")
    assert table[4][3] == ('+HYPERLINK("http://x")', "s")
    assert load_workbook(f"{path}.rejected.xlsx").active.cell(row=5, column=4).quotePrefix


def test_a_fixed_rejected_rows_workbook_imports_as_it_is(office, tmp_path):
    path = f.workbook(tmp_path / "siak.xlsx", {"SIAK": f.siak_sheet([f.siak_row("2018-02-01", jenis_kelamin="X")])})
    assert import_file(path)[0] == 1
    book = load_workbook(f"{path}.rejected.xlsx")
    sheet = book["SIAK"]
    sheet.cell(row=2, column=3 + f.SIAK_HEADER.index("JENIS_KLMIN")).value = "L"
    fixed = tmp_path / "diperbaiki.xlsx"
    book.save(fixed)
    assert import_file(fixed)[0] == 0 and Enrollment.objects.count() == 1


def test_the_page_and_the_command_give_the_same_outcome_for_a_workbook(client, clerk, tmp_path, django_capture_on_commit_callbacks):
    rows = [f.siak_row("2018-02-01"), f.siak_row("2018-02-02", status_ktp_el="MENUNGGU"), f.siak_row("2018-02-03")]
    path = f.workbook(tmp_path / "siak.xlsx", {"SIAK": f.siak_sheet(rows)})
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_file(as_user(client, clerk), path)
    upload = EnrollmentUpload.objects.get()
    assert (upload.status, upload.rows, upload.imported, upload.rejected) == (EnrollmentUpload.Status.DONE, 3, 2, 1)
    report = client.get(reverse("enrollment_upload_rejected", args=[upload.pk]))
    assert report["Content-Disposition"].endswith('siak.xlsx.rejected.xlsx"')
    table = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    page_reason = table.cell(row=2, column=2).value
    assert "'MENUNGGU' bukan status SIAK" in page_reason

    code, out, err = import_file(path)
    assert code == 1 and "0 diimpor, 2 sudah ada, 1 ditolak" in out
    assert load_workbook(f"{path}.rejected.xlsx").active.cell(row=2, column=2).value == page_reason


def test_an_upload_form_says_it_takes_a_workbook(client, clerk):
    page = as_user(client, clerk).get(reverse("enrollment_upload")).content.decode()
    assert "Ekspor SIAK (CSV atau Excel .xlsx)" in page and 'accept=".csv,.xlsx' in page


def zip_file(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return str(path)


WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="SIAK" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELATIONSHIPS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


@pytest.mark.django_db(transaction=True)
def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path):
    """A sheet that inflates 1,000 times its size (200 MB from 200 KB) is refused before it is read."""
    f.office("5371")
    sheet = b"<worksheet><sheetData>" + b" " * (200 * 2**20) + b"</sheetData></worksheet>"
    path = zip_file(tmp_path / "bom.xlsx", {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELATIONSHIPS,
                                            "xl/worksheets/sheet1.xml": sheet})
    code, err, peak = run_measured("import_enrollments", path, "--office", "5371")
    assert code == 2, err
    assert "ditolak sebagai bom zip" in err and len(err.strip().splitlines()) == 1
    assert peak < PEAK_MEMORY_BOUND
    assert not Enrollment.objects.exists()


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
          + ']><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_xml_entities_a_billion_laughs_are_refused(office, tmp_path, part):
    parts = {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELATIONSHIPS, "xl/worksheets/sheet1.xml": "<worksheet/>"}
    parts[part] = LAUGHS if part.endswith("sheet1.xml") else LAUGHS.replace("<worksheet>", WORKBOOK[:-len("</workbook>")]).replace(
        "<sheetData>", "").replace("</sheetData></worksheet>", "</workbook>")
    code, out, err = import_file(zip_file(tmp_path / "tawa.xlsx", parts))
    assert code == 2
    assert "buku kerja mendeklarasikan entitas XML (DOCTYPE): ditolak karena berbahaya" in err
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("content, sentence", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "buku kerja Excel lama (.xls)"),
    ("ods", "spreadsheet OpenDocument (.ods)"),
    ("zip", "arsip ZIP, bukan buku kerja Excel"),
])
def test_an_old_excel_file_an_ods_or_another_zip_gets_its_own_sentence(office, tmp_path, content, sentence):
    path = tmp_path / "siak.xlsx"
    if content == "ods":
        zip_file(path, {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
    elif content == "zip":
        zip_file(path, {"foto.jpg": "x"})
    else:
        path.write_bytes(content)
    code, out, err = import_file(path)
    assert code == 2 and sentence in err and len(err.strip().splitlines()) == 1


def test_a_line_break_typed_in_a_cell_is_a_rejected_row_as_in_a_csv(office, tmp_path):
    rows = [f.siak_row("2018-02-01"), f.siak_row("2018-02-02", alamat="Jl. Timor\nRaya")]
    path = f.workbook(tmp_path / "siak.xlsx", {"SIAK": f.siak_sheet(rows)})
    assert import_file(path)[0] == 1 and Enrollment.objects.count() == 1
    [(_, table)] = rejected_workbook(path).items()
    assert table[1][1][0] == "ALAMAT berisi karakter kendali (kode 10); hanya teks dan tab yang diperbolehkan"
