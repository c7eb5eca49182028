"""Realistic demo data with valid NIKs, for seed_demo and make bench: this project's CSV, and SIAK's own workbook.

The workbook is what an office gets from SIAK: SIAK's column names, Excel's
cells (dates, numbers in RT/RW), the KTP-el statuses of a real export,
16-year-olds married and not, and a few NIKs that Excel turned into numbers.
"""
import csv
import random
import tempfile
import zipfile
from datetime import date, timedelta
from xml.sax.saxutils import escape

FIRST_NAMES = {
    "L": ["Yohanes", "Agustinus", "Marthen", "Yosef", "Dominggus", "Ahmad", "Budi", "Dedi", "Eko", "Fransiskus",
          "Hendrik", "Imanuel", "Joko", "Kornelis", "Muhammad", "Nikolaus", "Petrus", "Rudi", "Slamet", "Wahyu"],
    "P": ["Maria", "Yuliana", "Agustina", "Theresia", "Siti", "Dewi", "Fransiska", "Katarina", "Lestari", "Margaretha",
          "Nur", "Ratna", "Sri", "Veronika", "Wulan", "Yohana", "Rina", "Ani", "Elisabeth", "Magdalena"],
}
LAST_NAMES = ["Ndoen", "Mangi", "Tefa", "Manafe", "Fanggidae", "Bessie", "Lay", "Nalle", "Pah", "Riwu", "Saputra",
              "Hidayat", "Kurniawan", "Santoso", "Setiawan", "Wijaya", "Pratama", "Nugroho", "Lubis", "Siregar"]
PLACES = {
    "5371": {"Alak": ["Alak", "Namosain", "Penkase Oeleta"], "Maulafa": ["Maulafa", "Penfui", "Oepura"],
             "Oebobo": ["Oebobo", "Fatululi", "Oetete"], "Kelapa Lima": ["Kelapa Lima", "Oesapa", "Lasiana"],
             "Kota Raja": ["Naikoten I", "Fontein", "Airnona"], "Kota Lama": ["Solor", "Merdeka", "Oeba"]},
    "3603": {"Balaraja": ["Talagasari", "Saga", "Sentul"], "Cikupa": ["Cikupa", "Bojong", "Talaga"],
             "Curug": ["Curug Kulon", "Kadu", "Binong"], "Kelapa Dua": ["Bencongan", "Pakulonan Barat", "Kelapa Dua"],
             "Pasar Kemis": ["Sukaasih", "Kutabaru", "Sindangsari"], "Tigaraksa": ["Tigaraksa", "Pasir Bolang", "Cisereh"]},
}
BIRTH_PLACES = {"5371": ["Kupang", "Soe", "Atambua", "Kefamenanu", "Rote", "Sabu"],
                "3603": ["Tangerang", "Jakarta", "Serang", "Bogor", "Lebak", "Pandeglang"]}
# nama_ibu (optional in SIAK files) sits before tanggal_rekam, which stays last.
HEADER = ["nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
          "kelurahan", "kecamatan", "nama_ibu", "tanggal_rekam"]


def _nik(code, sub, birth, sex, serial):
    day = birth.day + (40 if sex == "P" else 0)
    return f"{code}{sub:02d}{day:02d}{birth:%m%y}{serial:04d}"


def demo_rows(office_code, count, *, seed=1, first=date(2016, 1, 4), last=date(2018, 6, 29), reenroll_share=0.02):
    """Yield `count` CSV rows for one office; about `reenroll_share` of residents enrolled twice."""
    rng = random.Random(f"{office_code}-{seed}")
    # Mothers from a generator of their own: the rest of the rows stay what they were before nama_ibu.
    mothers = random.Random(f"{office_code}-{seed}-ibu")
    places = PLACES.get(office_code) or {"Kota": ["Kota"]}
    births = BIRTH_PLACES.get(office_code) or ["-"]
    span = (last - first).days
    serial = 0
    made = 0
    while made < count:
        sex = rng.choice("LP")
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        serial += 1
        subdistrict = rng.choice(sorted(places))
        sub_index = sorted(places).index(subdistrict) + 1
        nik = _nik(office_code, sub_index, birth, sex, serial % 10000)
        enrolled = first + timedelta(days=rng.randrange(span))
        row = [nik, f"{rng.choice(FIRST_NAMES[sex])} {rng.choice(LAST_NAMES)}", rng.choice(births),
               birth.isoformat(), sex, f"Jl. {rng.choice(LAST_NAMES)} No. {rng.randrange(1, 200)}",
               f"{rng.randrange(1, 30):03d}", f"{rng.randrange(1, 12):03d}", rng.choice(places[subdistrict]),
               subdistrict, f"{mothers.choice(FIRST_NAMES['P'])} {mothers.choice(LAST_NAMES)}", enrolled.isoformat()]
        yield row
        made += 1
        if made < count and rng.random() < reenroll_share:
            # Waited too long and enrolled again: same NIK, a later date (pendobelan).
            again = enrolled + timedelta(days=rng.randrange(60, 400))
            if again <= last:
                yield row[:-1] + [again.isoformat()]
                made += 1


def write_demo_csv(path, office_code, count, **kwargs):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(demo_rows(office_code, count, **kwargs))
    return path


SIAK_HEADER = ["NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_KWN", "NAMA_LGKP_IBU", "ALAMAT",
               "NO_RT", "NO_RW", "NAMA_KEL", "NAMA_KEC", "EKTP_CREATED_DATE", "EKTP_CURRENT_STATUS_CODE"]
# What a real export holds, about: most records passed by the centre, some still there, failed, flagged or carded.
DEMO_STATUSES = [("PRINT READY RECORD", 0.92), ("SENT FOR ENROLLMENT", 0.025), ("ENROLL FAILURE AT CENTRAL", 0.008),
                 ("BAD RECORD", 0.004), ("DUPLICATE RECORD", 0.01), ("ADJUDICATE RECORD", 0.005), ("CARD ISSUED", 0.028)]
SIXTEEN_SHARE = 0.03  # residents who recorded at 16; a fifth of them married
RECENT = date(2026, 11, 30)  # a fixed day, so that the same demo is made whenever it runs
EXCEL_NUMBER_SHARE = 0.002  # NIKs that Excel made into numbers (15 digits kept)


def siak_demo_rows(office_code, count, *, seed=1, realities=True, **kwargs):
    """`count` rows under SIAK_HEADER: str, int, date or (a NIK Excel made a number) float values.

    The residents of `demo_rows`; with `realities`, the statuses, 16-year-olds
    and Excel numbers above, else every row print-ready and every NIK text.
    """
    rng = random.Random(f"{office_code}-{seed}-siak")
    statuses, weights = zip(*DEMO_STATUSES)
    previous = (None, None)  # a resident enrolled twice (the next row) is the same person: NIK, birth and marriage as drawn first
    for i, (row, following) in enumerate(_with_next(demo_rows(office_code, count, seed=seed, **kwargs))):
        nik, name, place, birth, sex, address, rt, rw, village, subdistrict, mother, enrolled = row
        enrolled_on, birth_date = date.fromisoformat(enrolled), date.fromisoformat(birth)
        married = rng.choices((1, 2, 3, 4), (25, 68, 4, 3))[0]
        status = "PRINT READY RECORD"
        # A resident who recorded again had waited for a print-ready card that never came (pendobelan).
        if realities and not (following and following[0] == nik):
            status = rng.choices(statuses, weights)[0]
        if realities and rng.random() < SIXTEEN_SHARE and previous[0] != nik and not (following and following[0] == nik):
            # Recorded at 16 in the months before RECENT, so that their cards wait for the 17th birthday now.
            enrolled_on = RECENT - timedelta(days=rng.randrange(180))
            sixteenth = enrolled_on.replace(year=enrolled_on.year - 16, day=min(enrolled_on.day, 28))
            birth_date = sixteenth - timedelta(days=rng.randrange(1, 300))  # 16 on the day they recorded
            married = 2 if rng.random() < 0.2 else 1
        if previous[0] == nik:
            nik, birth_date, married = previous[1]
        else:
            previous = (nik, (_nik(office_code, int(nik[4:6]), birth_date, sex, int(nik[-4:])), birth_date, married))
            nik = previous[1][0]
        family = f"{nik[:6]}{(i % 28) + 1:02d}{(i % 12) + 1:02d}{(i % 20) + 1:02d}{i % 10000:04d}"
        nik_cell = float(nik[:15] + "0") if realities and rng.random() < EXCEL_NUMBER_SHARE else nik
        yield (nik_cell, family, name, place, birth_date, 1 if sex == "L" else 2, married, mother, address,
               int(rt), int(rw), village, subdistrict, enrolled_on, status)


def _with_next(items):
    """Each item with the one after it (None after the last)."""
    items = iter(items)
    current = next(items, None)
    for following in items:
        yield current, following
        current = following
    if current is not None:
        yield current, None


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
