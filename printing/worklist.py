"""The print desk's work list: the queued cards in print order, as export_queue prints them, on a printable page and in XLSX.

The CSV download is export_queue's own output (common.bulk.stream_out over
QUEUE_EXPORT_SQL, the same bytes). The page and the workbook read the same
rows, in the same order, in chunks: a long queue never sits in memory as
models, and the workbook streams as it is made.
"""
import io
import re
import zipfile
from datetime import date
from xml.sax.saxutils import escape as xml_escape

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from common.cells import TRIGGERS
from registry.models import Office

from .selectors import queue_in_print_order

CHUNK = 2000


def rows(office: Office):
    """(position, NIK, name, enrollment date) of every queued card, in print order."""
    queued = queue_in_print_order(office).values_list("enrollment__nik", "enrollment__name", "enrolled_on")
    for position, (nik, name, enrolled_on) in enumerate(queued.iterator(chunk_size=CHUNK), start=1):
        yield position, nik, name, enrolled_on


def headers() -> list[str]:
    return [_("No."), "NIK", _("Name"), _("Enrollment date")]


def html_rows(office: Office):
    """The page's table rows, a chunk of CHUNK rows at a time (dates as the desk shows them, each date formatted once)."""
    days = {}
    lines = []
    for position, nik, name, enrolled_on in rows(office):
        day = days.get(enrolled_on)
        if day is None:
            day = days[enrolled_on] = date_format(enrolled_on, "SHORT_DATE_FORMAT")
        lines.append(f'<tr><td class="num">{position}</td><td>{nik}</td><td>{escape(name)}</td><td>{day}</td></tr>\n')
        if len(lines) == CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


# The workbook's fixed parts. The sheet itself is written row by row (xlsx_chunks): a general-purpose writer
# (openpyxl, xlsxwriter) spends 20-25 microseconds a cell in Python, 20 s for a 200,000-card queue; four cells
# written as one line of XML take about one.
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/></Relationships>'
)
# Styles by index: 0 plain, 1 a date shown as the desk shows it, 2 the bold header, 3 text kept as text when edited (Excel's quote prefix).
DATE, BOLD, QUOTED = 1, 2, 3
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd\\-mm\\-yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_SHEET_START = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
    '<cols><col min="1" max="1" width="8" customWidth="1"/><col min="2" max="2" width="20" customWidth="1"/>'
    '<col min="3" max="3" width="36" customWidth="1"/><col min="4" max="4" width="14" customWidth="1"/></cols><sheetData>'
)
# XML 1.0 cannot hold these (a stray control character in a SIAK name): dropped, as common.cells.text_cells drops them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = date(1899, 12, 30)


def _text(value: str) -> str:
    return xml_escape(_NOT_XML.sub("", value))


def _inline(ref: str, text: str, style: int = 0) -> str:
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{_text(text)}</t></is></c>'


class _Chunks(io.RawIOBase):
    """An unseekable file that hands over what was written so far: zipfile streams into it (data descriptors, no seek)."""

    def __init__(self):
        self._parts, self._size = [], 0

    def writable(self):
        return True

    def write(self, data):
        self._parts.append(bytes(data))
        self._size += len(data)
        return len(data)

    def tell(self):
        return self._size

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def xlsx_chunks(office: Office):
    """The work list as an XLSX workbook, streamed as it is made: one sheet, the header in bold, then one row a card.

    NIK and name are text cells (never a number, never a formula; a name that starts like a formula gets Excel's
    quote prefix, so editing it keeps it text); the position a number; the date a date cell shown dd-mm-yyyy.
    """
    out = _Chunks()
    book = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    book.writestr("[Content_Types].xml", _CONTENT_TYPES)
    book.writestr("_rels/.rels", _ROOT_RELS)
    book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
    book.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
                                     f'<sheets><sheet name="{_text(_("Print queue")[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book.writestr("xl/styles.xml", _STYLES)
    with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
        header = "".join(_inline(f"{column}1", title, BOLD) for column, title in zip("ABCD", headers()))
        sheet.write(f'{_SHEET_START}<row r="1">{header}</row>'.encode())
        lines = []
        for position, nik, name, enrolled_on in rows(office):
            n = position + 1
            lines.append(f'<row r="{n}"><c r="A{n}"><v>{position}</v></c>{_inline(f"B{n}", nik)}'
                         f'{_inline(f"C{n}", name, QUOTED if name.startswith(TRIGGERS) else 0)}'
                         f'<c r="D{n}" s="{DATE}"><v>{(enrolled_on - _EXCEL_EPOCH).days}</v></c></row>')
            if len(lines) == CHUNK:
                sheet.write("".join(lines).encode())
                lines = []
                yield out.take()
        sheet.write(("".join(lines) + "</sheetData></worksheet>").encode())
    book.close()
    yield out.take()
