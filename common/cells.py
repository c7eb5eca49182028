"""Text a spreadsheet must show as text, never run: every CSV and XLSX the app writes goes through here.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a
formula to Excel and LibreOffice (`=HYPERLINK(...)` in a resident's name would
be a link in the clerk's sheet). As OWASP advises, such text gets an
apostrophe in front; numbers and dates (-5 blanks adjusted) stay numbers. The
importer takes the apostrophe off again when a rejected-rows file comes back
fixed.
"""

import csv
import io

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel set to Indonesian reads a comma as the decimal separator: a CSV it opens in columns is `;`-separated, with a BOM
# so that it reads UTF-8 (the rejected-rows report of an import is written the same way).
CSV_DELIMITER = ";"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def escape_cell(value):
    """`value` as a CSV cell a spreadsheet shows as text: an apostrophe before text that would be a formula.

    Text that already looks escaped (`'=x`, `''=x`) gets one more, so that unescape_cell gives it back as it was.
    """
    if isinstance(value, str) and _needs_escape(value):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The text escape_cell was given: the apostrophe it added taken off (any other apostrophe is kept)."""
    if text.startswith("'") and _needs_escape(text[1:]):
        return text[1:]
    return text


def _needs_escape(text: str) -> bool:
    return text.lstrip("'").startswith(TRIGGERS)


def escaped_sql(column: str) -> str:
    """escape_cell as an SQL expression over a text column, the same on PostgreSQL and SQLite (for COPY ... TO STDOUT)."""
    triggers = ", ".join(f"'{t}'" for t in TRIGGERS)  # a tab and a CR are written as themselves: both databases accept them
    return f"CASE WHEN substr(ltrim({column}, ''''), 1, 1) IN ({triggers}) THEN '''' || {column} ELSE {column} END"


def append_row(sheet, values) -> None:
    """Add a row to an openpyxl sheet with every text value a string cell: openpyxl would make `=...` a formula.

    quotePrefix also keeps Excel from turning it into one when a user edits the cell.
    """
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(TRIGGERS):
                cell.quotePrefix = True


def text_cells(sheet, values) -> list:
    """Text cells for a row of an openpyxl write-only sheet, as append_row makes them: never a formula, never a number.

    A NIK stays its 16 digits (Excel would keep only 15 of a number); characters XML cannot hold are dropped,
    and an empty value leaves its cell empty.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cells = []
    for value in values:
        text = "" if value is None else ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell = WriteOnlyCell(sheet, value=text or None)
        if text:
            cell.data_type = "s"
            if text.startswith(TRIGGERS):
                cell.quotePrefix = True
        cells.append(cell)
    return cells


def csv_text(header, rows) -> str:
    """A CSV download as Excel in an Indonesian locale opens it: a BOM, `;` between cells, every text cell escaped.

    Values stay plain (2018-07, 1600, -4): the display formats are the page's and the XLSX's.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(map(escape_cell, header))
    for row in rows:
        writer.writerow(map(escape_cell, row))
    return out.getvalue()
