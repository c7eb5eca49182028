"""Time and peak memory of a workbook reader over a whole .xlsx: the figures in the README's "Excel workbooks".

`python -m tools.measure_readers FILE.xlsx READER [--rows N]`, one reader per
process (its peak memory is the process's): `ours` (registry.workbook),
`importer` (ours, every row checked as the import does), `calamine`
(python-calamine, if installed) or `openpyxl` (read-only mode).
"""
import argparse
import os
import resource
import time


def _ours(path):
    from registry.workbook import Workbook

    book = Workbook(path)
    for _name, part in book.sheets:
        yield from book.rows(part)


def _importer(path):
    from registry.importer import EnrollmentFile

    return EnrollmentFile(path).rows()


def _calamine(path):
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    for name in book.sheet_names:
        yield from book.get_sheet_by_name(name).iter_rows()


def _openpyxl(path):
    from openpyxl import load_workbook

    for sheet in load_workbook(path, read_only=True):
        yield from sheet.iter_rows(values_only=True)


READERS = {"ours": _ours, "importer": _importer, "calamine": _calamine, "openpyxl": _openpyxl}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("reader", choices=READERS)
    parser.add_argument("--rows", type=int, default=0, help="stop after this many rows (0: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    start, first, count = time.monotonic(), None, 0
    for _row in READERS[args.reader](args.file):
        count += 1
        if first is None:
            first = time.monotonic() - start
        if count == args.rows:
            break
    total = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    after = (count - 1) / max(total - first, 1e-9) if first is not None else 0
    print(f"{args.reader}: {count:,} rows in {total:.1f} s, first after {(first or 0):.1f} s, {after:,.0f} rows/s after it, "
          f"peak RSS {usage.ru_maxrss / 1024:.0f} MB, CPU {usage.ru_utime + usage.ru_stime:.1f} s")


if __name__ == "__main__":
    main()
