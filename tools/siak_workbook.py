"""A SIAK-named .xlsx export as Excel writes it (shared strings, date cells, numbers in RT/RW), any size, fast.

For measuring workbook readers (README, "The SIAK import contract"):
`python -m tools.siak_workbook OUT.xlsx --rows 1000000`. openpyxl's writer
takes minutes for a million rows; registry.demo.write_workbook writes the
parts directly, streaming, with every text cell in the shared strings table.
`--realities` adds what a real export holds (statuses, 16-year-olds, NIKs
made numbers: registry.demo.siak_demo_rows); without it every row imports.
"""
import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sheet-rows", type=int, default=1_000_000)
    parser.add_argument("--realities", action="store_true")
    parser.add_argument("--office", default="5371", help="the region code the NIKs and places are of")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from registry.demo import siak_demo_rows, write_workbook

    rows = siak_demo_rows(args.office, args.rows, seed=args.seed, realities=args.realities, reenroll_share=0)
    write_workbook(args.out, rows, sheet_rows=args.sheet_rows)
    print(f"{args.out}: {args.rows} rows, {os.path.getsize(args.out) / 2**20:.0f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
