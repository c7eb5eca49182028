"""Time the print desk's work list over a long queue: the figures in the README's print desk section.

`DATABASE_URL=postgres://... python -m tools.measure_work_list [--rows N] [--office CODE]` (default 200,000 and 5371,
in a database of its own): the office gets N demo enrollments, N blanks and a queue of N cards (once), then each
download is fetched through Django's test client as a clerk, timing the first byte and the whole body.
"""
import argparse
import os
import tempfile
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--office", default="5371")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from backlog.imports import import_enrollments
    from backlog.ledger import receive_blanks
    from backlog.offices import create_office
    from backlog.queue import build_print_queue
    from people.roles import Role
    from printing.models import PrintJob
    from registry.demo import write_demo_csv
    from registry.models import Office, User

    setup_test_environment()
    office = Office.objects.filter(code=args.office).first() or create_office(code=args.office)
    clerk, _ = User.objects.get_or_create(username=f"ukur.{office.code}", defaults={"office": office, "role": Role.CLERK})
    queued = PrintJob.objects.filter(office=office, state="queued").count()
    if queued < args.rows:
        with tempfile.TemporaryDirectory() as folder:
            started = time.monotonic()
            path = write_demo_csv(os.path.join(folder, "siak.csv"), office.code, args.rows)
            import_enrollments(office=office, path=path, by=clerk)
            receive_blanks(office=office, quantity=args.rows, reference=f"UKUR/{office.code}", by=clerk)
            build_print_queue(office=office, by=clerk)
            print(f"set up in {time.monotonic() - started:.1f} s")
        queued = PrintJob.objects.filter(office=office, state="queued").count()
    client = Client()
    client.force_login(clerk)
    print(f"{queued:,} cards in the queue")
    for label, url in (("CSV", "/cetak/daftar/?format=csv"), ("XLSX", "/cetak/daftar/?format=xlsx"), ("page", "/cetak/daftar/")):
        started = time.monotonic()
        response = client.get(url)
        chunks = iter(response.streaming_content if response.streaming else [response.content])
        size = len(next(chunks))
        first = time.monotonic() - started
        for chunk in chunks:
            size += len(chunk)
        response.close()
        print(f"{label}: first byte {first:.2f} s, all {size / 1e6:.1f} MB in {time.monotonic() - started:.2f} s")


if __name__ == "__main__":
    main()
