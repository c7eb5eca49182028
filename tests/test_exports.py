"""No formulas in exports: a name like =HYPERLINK(...) reaches a clerk's spreadsheet as text, never as a formula."""
import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from openpyxl import Workbook, load_workbook

from common.cells import append_row, escape_cell, escaped_sql, unescape_cell
from registry.models import Enrollment
from tests import factories as f
from tests.conftest import ROOT
from tests.test_import import import_file, rejected_rows

HOSTILE = ['=HYPERLINK("http://x")', "@SUM(A1)", "+1+1", "-2+3"]


def hostile_rows():
    """One resident per hostile name, each a valid row of a SIAK export."""
    return [f.row(date(2018, 2, 1 + i), name=name) for i, name in enumerate(HOSTILE)]


@pytest.mark.django_db(transaction=True)
def test_export_queue_writes_formula_names_as_text_and_numbers_as_they_are(run_command, tmp_path):
    assert run_command("create_office", "5371")[0] == 0
    rows = hostile_rows()
    assert run_command("import_enrollments", f.siak_file(tmp_path / "siak.csv", rows), "--office", "5371")[0] == 0
    assert run_command("receive_blanks", "--office", "5371", "--quantity", "4", "--reference", "R1")[0] == 0
    # Built here, not left to the build the receipt asks for: with a broker that runs on a worker, later.
    assert run_command("build_print_queue", "--office", "5371")[0] == 0
    code, out, err = run_command("export_queue", "--office", "5371")
    assert code == 0, err
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[1:] == [[str(i + 1), row["nik"], "'" + row["nama"], row["tanggal_rekam"]] for i, row in enumerate(rows)]


@pytest.mark.django_db
def test_the_rejected_rows_file_writes_formula_names_as_text(tmp_path):
    f.office("5371")
    path = f.siak_file(tmp_path / "siak.csv", [{**row, "jenis_kelamin": "X"} for row in hostile_rows()])
    assert import_file(path)[0] == 1
    assert [row["nama"] for row in rejected_rows(path)] == ["'" + name for name in HOSTILE]


@pytest.mark.django_db
def test_a_rejected_rows_file_fixed_and_imported_again_gives_the_names_without_the_apostrophe(tmp_path):
    """The clerk fixes the rejected rows in the report itself and imports it: the apostrophe the app added goes."""
    f.office("5371")
    path = f.siak_file(tmp_path / "siak.csv", [{**row, "jenis_kelamin": "X"} for row in hostile_rows()]
                       + [f.row(date(2018, 3, 1), name="Ma'ruf Amin", alamat="'Jl. Kutip'")])
    assert import_file(path)[0] == 1
    with open(f"{path}.rejected.csv", encoding="utf-8-sig", newline="") as report:
        table = list(csv.reader(report, delimiter=";"))
    sex = table[0].index("jenis_kelamin")
    fixed = tmp_path / "siak-diperbaiki.csv"
    with open(fixed, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([table[0]] + [[*row[:sex], "L", *row[sex + 1:]] for row in table[1:]])
    assert import_file(fixed)[0] == 0
    names = sorted(Enrollment.objects.values_list("name", flat=True))
    assert names == sorted([*HOSTILE, "Ma'ruf Amin"])
    assert Enrollment.objects.get(name="Ma'ruf Amin").address == "'Jl. Kutip'"  # an apostrophe of the data stays


def test_a_spreadsheet_row_keeps_formula_text_as_text():
    book = Workbook()
    append_row(book.active, [*HOSTILE, "2018-02", -4, 7])
    out = io.BytesIO()
    book.save(out)
    cells = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert [cell.value for cell in cells] == [*HOSTILE, "2018-02", -4, 7]
    assert [cell.data_type for cell in cells] == ["s"] * 5 + ["n", "n"]


def test_the_escaping_and_its_undoing_are_each_other_s_inverse():
    for text in [*HOSTILE, "\tTab", "\rCR", "Budi", "'quoted'", "Ma'ruf", "", "'=looks escaped", "''=twice"]:
        assert unescape_cell(escape_cell(text)) == text
    assert [escape_cell(value) for value in (-4, 0, 3.5, "5371011705900001", "2018-02-01")] == [-4, 0, 3.5, "5371011705900001", "2018-02-01"]


# Where the app writes CSV or XLSX; each must escape through common.cells (or say why not).
WRITERS_WITHOUT_ESCAPING = {
    "registry/demo.py": "the demo's own SIAK file, made-up names",
    "common/cells.py": "the escaping itself",
    "common/bulk.py": "copy_out writes what its query selects: the query escapes (printing.selectors.QUEUE_EXPORT_SQL)",
}


def test_every_module_that_writes_csv_or_xlsx_escapes_its_text():
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "tools/")) or relative in WRITERS_WITHOUT_ESCAPING:
            continue
        source = path.read_text()
        if re.search(r"csv\.writer\(|Workbook\(|TO STDOUT", source):
            assert "common.cells" in source or "from .cells" in source, relative


@pytest.mark.django_db
def test_the_database_escapes_exactly_as_python_does():
    """export_queue escapes in SQL (COPY streams from the server): the same cells as escape_cell, on either database."""
    texts = [*HOSTILE, "\tTab", "\rCR", "Budi", "'quoted'", "Ma'ruf", "", "'=looks escaped", "''=twice", "'", "5371011705900001"]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute(f"SELECT {escaped_sql('%s')}", [text] * 3)
            assert cursor.fetchone()[0] == escape_cell(text), repr(text)
