"""Reading an Excel workbook (.xlsx) as rows of cells, streaming: memory bounded whatever the sheet's length.

A sheet's XML is tokenised a chunk at a time by regular expressions over its
bytes (SpreadsheetML's rows and cells are flat; measured three times as fast
as expat with Python handlers, which no import could keep up with), and only
the shared strings table is held, packed (SIAK's text cells point into it).
The small parts (workbook, relationships, styles) go through expat. Measured
against python-calamine and openpyxl on a 1,000,000-row SIAK export (README,
"Excel workbooks"). A hostile workbook is refused within bounded memory: a
cap on every part's uncompressed size (declared, and counted while it
streams) and on its compression ratio, no DOCTYPE anywhere (no entity is
ever declared; only XML's five named and the numeric references are read),
and caps on a cell's text and a row's size.
"""
import functools
import re
import zipfile
from array import array
from datetime import date, timedelta
from xml.parsers import expat

from django.utils.translation import gettext as _

# Every part read is refused above this, declared or counted (a 5,000,000-row sheet is about 2.6 GB of XML).
MAX_PART_BYTES = 4 * 2**30
# The workbook, its relationships and styles are read whole: a few kilobytes in any real workbook.
MAX_SMALL_PART_BYTES = 16 * 2**20
# The shared strings are held in memory: their XML is bounded apart (a 1,000,000-row export's is about 55 MB).
MAX_SHARED_STRINGS_BYTES = 512 * 2**20
MAX_SHARED_STRINGS = 25_000_000  # five distinct texts a row of a 5,000,000-row export
# Apache POI's rule: an entry inflating more than 100 times its compressed size is a zip bomb (Excel's XML: 5-20).
MAX_RATIO = 100
# Excel's own limit on a cell's text.
MAX_CELL_CHARS = 32_767
# A row's XML is held whole while it is read: 16,384 cells of a few bytes, or the text limit's worth.
MAX_ROW_BYTES = 16 * 2**20
_CHUNK = 256 * 1024

_MAIN = "xl/workbook.xml"
# Number formats 14-22 and 45-47 are Excel's built-in date and time formats.
_BUILTIN_DATES = frozenset((*range(14, 23), 45, 46, 47))
# A format code with a day, month or year outside quotes and brackets ([Red], [$-421]) is a date format.
_DATE_CODE = re.compile(r"[dmy]", re.I)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap-year bug puts serial 60 on 29 Feb)
_EPOCH_1904 = date(1904, 1, 1)
LAST_SERIAL = 2_958_466  # 9999-12-31
_ATTRIBUTE = re.compile(rb'\b([rts])="([^"]*)"')
_ROW_NUMBER = re.compile(rb'\br="([0-9]+)"')
_REFERENCE = re.compile(rb'&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);')
_NAMED = {b"lt": b"<", b"gt": b">", b"amp": b"&", b"quot": b'"', b"apos": b"'"}
_DOCTYPE = re.compile(rb'<!DOCTYPE|<!ENTITY', re.I)
_ROOT = re.compile(rb'<([A-Za-z_][\w.-]*:)?(?:worksheet|sst)\b')


class WorkbookError(Exception):
    """The workbook cannot be read as a whole (hostile, damaged, or not a workbook): its one sentence."""


def is_xlsx(path) -> bool:
    """A ZIP archive holding xl/workbook.xml: told from the content, whatever the file's name."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _MAIN in archive.NameToInfo
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _too_long() -> WorkbookError:
    return WorkbookError(_("a cell holds more text than Excel allows (%(limit)d characters)") % {"limit": MAX_CELL_CHARS})


def _damaged(exc) -> WorkbookError:
    return WorkbookError(_("the workbook is damaged (%(error)s)") % {"error": exc})


class Workbook:
    """An .xlsx file: its sheets in workbook order, (name, part), each read row by row with `rows(part)`."""

    def __init__(self, path):
        self._zip = zipfile.ZipFile(path)
        try:
            for info in self._zip.infolist():
                _check_size(info)
            self.date1904, sheets = _workbook(self._read(_MAIN))
            targets = _relationships(self._read("xl/_rels/workbook.xml.rels"))
            self.sheets = [(name, targets.get(rid, "")) for name, rid in sheets]
            self._date_styles = _date_styles(self._read("xl/styles.xml"))
            self._strings = None
        except BaseException as exc:
            self._zip.close()
            if isinstance(exc, (zipfile.BadZipFile, expat.ExpatError, KeyError, ValueError)):
                raise _damaged(exc) from None
            raise

    def close(self):
        self._zip.close()

    def _read(self, name) -> bytes:
        """A small part whole; b"" if the workbook has none."""
        if name not in self._zip.NameToInfo:
            return b""
        with self._open(name, MAX_SMALL_PART_BYTES) as part:
            return part.read()

    def _open(self, name, cap=MAX_PART_BYTES):
        info = self._zip.getinfo(name)
        if info.file_size > cap:
            raise WorkbookError(_("a part of the workbook is too large to read (%(name)s)") % {"name": name})
        return _Capped(self._zip.open(info), cap, name)

    def shared_strings(self) -> "_Strings":
        if self._strings is None:
            self._strings = _Strings()
            name = "xl/sharedStrings.xml"
            if name in self._zip.NameToInfo:
                with self._open(name, MAX_SHARED_STRINGS_BYTES) as part:
                    expressions, blocks = _blocks(part, "string end")
                    find, add = expressions["string"].findall, self._strings.add
                    for block in blocks:
                        for content in find(block):
                            add(_text(content, expressions))
        return self._strings

    def rows(self, part_name, limit=None):
        """Yield (row number, cells) for each row with a cell: cells a list by column, None where empty.

        A value is text (str), a number (float), a date (a number cell with a
        date format), or True/False. `limit` stops after that many rows. The
        loop is written out for speed: it runs for every cell of the file.
        """
        try:
            strings = self.shared_strings()
            data, ends = strings.data, strings.ends
            dates, epoch, columns = self._date_styles, _EPOCH_1904 if self.date1904 else EXCEL_EPOCH, {}
            count, number, cells, column = 0, 0, None, -1
            with self._open(part_name) as part:
                expressions, blocks = _blocks(part, "row end")
                tokens, values = expressions["tokens"].findall, expressions["value"]
                for block in blocks:
                    for is_row, row_attrs, letters, style, kind, rest, text, content in tokens(block):
                        if is_row:
                            if cells:
                                yield number, cells
                                count += 1
                                if count == limit:
                                    return
                            given = _ROW_NUMBER.search(row_attrs)
                            number = int(given.group(1)) if given else number + 1
                            cells, column = [], -1
                            continue
                        if rest and _ATTRIBUTE.search(rest):  # attributes in another order than Excel's
                            attrs = dict(_ATTRIBUTE.findall(rest))
                            letters = (attrs.get(b"r") or letters).rstrip(b"0123456789")
                            style, kind = attrs.get(b"s", style), attrs.get(b"t", kind)
                        if letters:
                            column = columns.get(letters)
                            if column is None:
                                column = columns[letters] = _column_index(letters)
                        else:
                            column += 1
                        if cells is None:
                            continue
                        if kind == b"s":
                            if not text:
                                continue
                            index = int(text)
                            value = data[ends[index]:ends[index + 1]].decode()
                        elif not kind or kind == b"n":
                            if content:  # a formula and its value
                                found = values.search(content)
                                text = found.group(1) if found else b""
                            if not text:
                                continue
                            value = float(text)
                            if style and style in dates and 0 <= value < LAST_SERIAL:
                                value = epoch + timedelta(days=int(value))
                        else:
                            value = _other_value(kind, text, content, expressions)
                            if value is None:
                                continue
                        missing = column - len(cells)
                        if missing == 0:
                            cells.append(value)
                        elif missing > 0:
                            cells.extend([None] * missing)
                            cells.append(value)
                        else:
                            cells[column] = value
                if cells and count != limit:
                    yield number, cells
        except (KeyError, IndexError, ValueError, OverflowError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
            raise _damaged(exc) from None


def _other_value(kind, text, content, expressions):
    """A cell that is neither a shared string nor a number: inline text, a boolean, a date, a formula's text, an error."""
    if kind == b"inlineStr":
        return _text(content, expressions).decode() or None
    if content:
        found = expressions["value"].search(content)
        text = found.group(1) if found else b""
    if not text:
        return None
    if kind == b"b":
        return text in (b"1", b"true")
    if kind == b"d":
        return date.fromisoformat(text[:10].decode())
    if len(text) > 4 * MAX_CELL_CHARS:
        raise _too_long()
    return _unescape(text).decode()  # str (a formula's text), e (an error such as #N/A)


@functools.cache
def _expressions(prefix: bytes) -> dict:
    """The expressions for a part whose elements carry `prefix` (b"", or b"x:"), compiled once for each prefix.

    `tokens` finds a row start, or a cell with its attributes in Excel's
    order (r, s, t; others, or another order, land in `rest`) and its <v>
    text or, when it holds more (an inline string, a formula), its content.
    """
    p = re.escape(prefix)
    return {
        "tokens": re.compile(rb'<' + p + rb'(row)\b([^>]*)>|<' + p + rb'c(?: r="([A-Z]+)[0-9]*")?(?: s="([0-9]+)")?'
                             rb'(?: t="(\w+)")?(\s[^>]*?)?(?:/>|>(?:<' + p + rb'v>([^<]*)</' + p + rb'v>|(.*?))</' + p + rb'c>)',
                             re.S),
        "value": re.compile(rb'<' + p + rb'v>([^<]*)</' + p + rb'v>'),
        "text": re.compile(rb'<' + p + rb't\b[^>]*?(?:/>|>([^<]*)</' + p + rb't>)'),
        "phonetic": re.compile(rb'<' + p + rb'rPh\b.*?</' + p + rb'rPh>', re.S),
        "string": re.compile(rb'<' + p + rb'si\b[^>]*?(?:/>|>(.*?)</' + p + rb'si>)', re.S),
        "row end": b"</" + prefix + b"row>",
        "string end": b"</" + prefix + b"si>",
    }


def _blocks(part, end):
    """(the part's expressions, its bytes in blocks that each end after a whole row, or shared string).

    The first chunk tells the elements' namespace prefix, and is looked at
    for a DOCTYPE. A block never runs on more than MAX_ROW_BYTES past the
    last whole element.
    """
    first = part.read(_CHUNK)
    if _DOCTYPE.search(first):
        _refuse_doctype()
    root = _ROOT.search(first)
    expressions = _expressions((root.group(1) or b"") if root else b"")
    return expressions, _split(first, part, expressions[end])


def _split(first, part, end):
    rest, chunk = b"", first
    while chunk:
        buffer = rest + chunk
        last = buffer.rfind(end)
        if last < 0:
            if len(buffer) > MAX_ROW_BYTES:
                raise WorkbookError(_("a row of the workbook is too large to read"))
            rest = buffer
        else:
            last += len(end)
            yield buffer[:last]
            rest = buffer[last:]
        chunk = part.read(_CHUNK)
    if rest:
        yield rest


def _unescape(text: bytes) -> bytes:
    return _REFERENCE.sub(_reference, text) if b"&" in text else text


def _reference(match) -> bytes:
    name = match.group(1)
    if name[:1] != b"#":
        return _NAMED[name]
    code = int(name[2:], 16) if name[1:2] in (b"x", b"X") else int(name[1:])
    return chr(code).encode("utf-8", "surrogatepass")


def _text(content: bytes, expressions) -> bytes:
    """The text of a shared string or an inline string (<is>): its runs, without the phonetic (rPh) ones."""
    if b"rPh" in content:
        content = expressions["phonetic"].sub(b"", content)
    runs = expressions["text"].findall(content)
    text = runs[0] if len(runs) == 1 else b"".join(runs)
    if len(text) > 4 * MAX_CELL_CHARS:  # UTF-8 takes at most four bytes a character
        raise _too_long()
    return _unescape(text)


class _Strings:
    """The shared strings, packed: their UTF-8 bytes end to end, and where each ends (4 bytes each, not a Python object).

    String i is data[ends[i]:ends[i + 1]]. Their count is bounded too: a million empty strings are a few kilobytes of
    compressed XML.
    """

    def __init__(self):
        self.data = bytearray()
        self.ends = array("I", [0])  # the data stays below MAX_SHARED_STRINGS_BYTES, well within 4 bytes

    def add(self, text: bytes):
        if len(self.ends) > MAX_SHARED_STRINGS:
            raise WorkbookError(_("a part of the workbook is too large to read (%(name)s)") % {"name": "xl/sharedStrings.xml"})
        self.data += text
        self.ends.append(len(self.data))


def _check_size(info):
    if info.file_size > MAX_PART_BYTES or info.file_size > MAX_RATIO * max(info.compress_size, 1) + 65_536:
        raise WorkbookError(
            _("the workbook unpacks to far more than its size (%(name)s): it is refused as a zip bomb") % {"name": info.filename})


class _Capped:
    """A part of the zip read at most `cap` bytes, counted as it streams (whatever its entry declared)."""

    def __init__(self, stream, cap, name):
        self._stream, self._left, self._name = stream, cap, name

    def read(self, size=-1):
        data = self._stream.read(size)
        self._left -= len(data)
        if self._left < 0:
            raise WorkbookError(_("a part of the workbook is too large to read (%(name)s)") % {"name": self._name})
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._stream.close()


def _refuse_doctype(*args):
    # No part of a workbook has a DOCTYPE; refusing it means no entity is ever declared, so none can expand.
    raise WorkbookError(_("the workbook declares XML entities (a DOCTYPE): it is refused as hostile"))


def _elements(data: bytes) -> list:
    """The elements of a small part (workbook, relationships, styles), in order, as (local name, attributes)."""
    found = []
    if not data:
        return found
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = lambda name, attrs: found.append(
        (_local(name), {_local(key): value for key, value in attrs.items()}))
    parser.Parse(data, True)
    return found


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _workbook(data):
    """(dates counted from 1904?, [(sheet name, relationship id)]) in workbook order."""
    date1904, sheets = False, []
    for name, attrs in _elements(data):
        if name == "workbookPr":
            date1904 = attrs.get("date1904", "0").lower() in ("1", "true")
        elif name == "sheet":
            sheets.append((attrs.get("name", ""), attrs.get("id", "")))
    return date1904, sheets


def _relationships(data) -> dict:
    targets = {}
    for name, attrs in _elements(data):
        if name == "Relationship":
            target = attrs.get("Target", "")
            targets[attrs.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return targets


def _date_styles(data) -> frozenset:
    """The cell styles (cellXfs indexes, as the bytes of a cell's s attribute) whose number format shows a date."""
    custom, styles, in_cell_xfs = {}, [], False
    for name, attrs in _elements(data):
        if name == "numFmt":
            custom[int(attrs.get("numFmtId", -1))] = attrs.get("formatCode", "")
        elif name == "cellXfs":
            in_cell_xfs = True
        elif name in ("cellStyleXfs", "cellStyles", "dxfs"):
            in_cell_xfs = False
        elif name == "xf" and in_cell_xfs:
            styles.append(int(attrs.get("numFmtId", 0)))
    return frozenset(str(index).encode() for index, fmt in enumerate(styles)
                     if fmt in _BUILTIN_DATES or (fmt in custom and _DATE_CODE.search(_QUOTED.sub("", custom[fmt]))))


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1
