"""A SIAK-named .xlsx export as Excel writes it (shared strings, date cells, numbers in RT/RW), any size, fast.

For measuring workbook readers (README, "The SIAK import contract"):
`python -m tools.siak_workbook OUT.xlsx --rows 1000000`. openpyxl's writer
takes minutes for a million rows; this writes the parts directly, streaming,
with every text cell in the shared strings table.
"""
import argparse
import os
import sys
import tempfile
import zipfile
from datetime import date
from xml.sax.saxutils import escape

SIAK_HEADER = ["NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_KWN", "NAMA_LGKP_IBU", "ALAMAT",
               "NO_RT", "NO_RW", "NAMA_KEL", "NAMA_KEC", "EKTP_CREATED_DATE", "EKTP_CURRENT_STATUS_CODE"]
_EPOCH = date(1899, 12, 30)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '{sheets}'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'),
    "xl/styles.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {_NS}>'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '</styleSheet>'),
}


def _column(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def siak_rows(count, office="5371"):
    """SIAK-named rows from the demo generator: (values, kinds) with kinds s(tring), n(umber) or d(ate)."""
    from registry.demo import demo_rows

    for i, (nik, name, place, birth, sex, address, rt, rw, village, subdistrict, mother, enrolled) in enumerate(
            demo_rows(office, count, reenroll_share=0)):
        family = f"{nik[:6]}{(i % 28) + 1:02d}{(i % 12) + 1:02d}{(i % 20) + 1:02d}{i % 10000:04d}"
        yield (nik, family, name, place, date.fromisoformat(birth), 1 if sex == "L" else 2, 1 + i % 2, mother, address,
               int(rt), int(rw), village, subdistrict, date.fromisoformat(enrolled), "PRINT READY RECORD")


def write_workbook(path, rows, header=SIAK_HEADER, sheet_rows=1_000_000):
    """Write `rows` (tuples of str, int or date) under `header`, `sheet_rows` data rows per sheet; returns the path."""
    columns = [_column(i) for i in range(len(header))]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as strings, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        count, known = 0, {}

        def string(text):
            nonlocal count
            index = known.get(text)
            if index is None:  # each distinct text once, as Excel keeps it
                index = known[text] = len(known)
                strings.write(f"<si><t>{escape(text)}</t></si>")
            count += 1
            return f't="s"><v>{index}</v>'

        sheets, rows = 0, iter(rows)
        pending = next(rows, None)
        while pending is not None:
            sheets += 1
            with out.open(f"xl/worksheets/sheet{sheets}.xml", "w", force_zip64=True) as part:
                part.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}><sheetData>'.encode())
                cells = "".join(f'<c r="{c}1" {string(name)}</c>' for c, name in zip(columns, header))
                part.write(f'<row r="1">{cells}</row>'.encode())
                line = 1
                while pending is not None and line <= sheet_rows:
                    line += 1
                    cells = []
                    for c, value in zip(columns, pending):
                        if isinstance(value, str):
                            cells.append(f'<c r="{c}{line}" {string(value)}</c>')
                        elif isinstance(value, date):
                            cells.append(f'<c r="{c}{line}" s="1"><v>{(value - _EPOCH).days}</v></c>')
                        else:
                            cells.append(f'<c r="{c}{line}"><v>{value}</v></c>')
                    part.write(f'<row r="{line}">{"".join(cells)}</row>'.encode())
                    pending = next(rows, None)
                part.write(b"</sheetData></worksheet>")
        strings.seek(0)
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {_NS} count="{count}" uniqueCount="{len(known)}">'.encode())
            while chunk := strings.read(1 << 20):
                part.write(chunk.encode())
            part.write(b"</sst>")
        names = "".join(f'<sheet name="SIAK{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, sheets + 1))
        out.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                        f'<workbook {_NS} {_REL_NS}><sheets>{names}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                       f'worksheet" Target="worksheets/sheet{n}.xml"/>' for n in range(1, sheets + 1))
        rels += ('<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                 '<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')
        out.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                     f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for n in range(1, sheets + 1))
        for name, text in _PARTS.items():
            out.writestr(name, text.replace("{sheets}", overrides))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sheet-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    write_workbook(args.out, siak_rows(args.rows), sheet_rows=args.sheet_rows)
    print(f"{args.out}: {args.rows} rows, {os.path.getsize(args.out) / 2**20:.0f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
