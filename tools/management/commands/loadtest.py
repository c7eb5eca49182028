"""`make loadtest`: the app under load as production serves it, with a real load tool (Locust).

gunicorn (sync workers, DEBUG off) on PostgreSQL behind the shipped TLS
proxy (deploy/proxy-entrypoint.sh renders deploy/nginx.conf.template), on
the database `make bench-pages BENCH_ARGS=--keep` kept (the big office,
5,000,000 enrollments by default). First the ceiling: the one-query page
(the offices list) asked for by users that never pause. Then clerks and
residents (tools/locustfile.py) at a realistic pace, 50 clerks and 200
residents, then twice, four times... as many, a step each, until the p99
passes 500 ms or the last step is reached. It prints requests a second and
p50/p95/p99 per page for each step, errors, and check_ledger's verdict on
the office afterwards. Everything listens on 127.0.0.1 only; every step is
bounded in time.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import CommandError

from .bench import BENCH_PREFIX, Command as Bench, bench_url, connect_params, machine_line
from .bench_pages import BIG_OFFICE

ROOT = Path(__file__).resolve().parents[3]
TARGET_P99 = 0.500
TARGET_KNEE_SHARE = 0.25
CLERKS, RESIDENTS = 50, 200  # tools/locustfile.py's realistic step
RAMP_SECONDS = 40  # the users of a step arrive at random moments of its first 40 seconds: not counted (LOAD_RAMP_SECONDS)
CLERK_PAGES = {"print desk", "print click", "ready cards", "a ready card", "pickup", "enrollments, a NIK searched",
               "pickup desk, a name searched", "Suket list", "Suket issued"}
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, process, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"{what} stopped: {process.stdout.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise CommandError(f"{what} did not listen on {port}")


def percentile(values, p):
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


class Command(Bench):
    help = ("Serve the kept bench-pages database with gunicorn behind the shipped proxy and drive it with Locust: "
            "the one-query ceiling, then clerks and residents stepped up until p99 passes 500 ms.")

    def add_arguments(self, parser):
        parser.add_argument("--database-url", default="", help="PostgreSQL server of the kept ektp_bench_pages database")
        parser.add_argument("--office", default=BIG_OFFICE, help=f"office code (default {BIG_OFFICE}, bench-pages' big office)")
        parser.add_argument("--step-seconds", type=float, default=100, help="seconds a step lasts (default 100; its first 40 not counted)")
        parser.add_argument("--steps", type=int, default=6, help="at most this many steps: 1, 2, 4... times the users (default 6)")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3, as docker-compose.yml)")
        parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")

    def handle(self, *args, database_url, office, step_seconds, steps, workers, strict, **options):
        if not shutil.which("locust", path=str(Path(sys.executable).parent)):
            raise CommandError("Locust is not installed: make loadtest installs it (pip install '.[load]')")
        if not shutil.which("nginx", path=SEARCH_PATH):
            raise CommandError("nginx is not installed (apt-get install nginx-light): the load goes through the shipped proxy")
        url = bench_url(database_url or os.environ.get("DATABASE_URL", ""))
        self.url = url + "_pages" if url.endswith(f"/{BENCH_PREFIX}") else url
        self.params = connect_params(self.url)
        self.started = time.perf_counter()
        self.env = {**os.environ, "DATABASE_URL": self.url, "CELERY_BROKER_URL": "", "DEBUG": "0", "SECRET_KEY": "l" * 50,
                    "ALLOWED_HOSTS": "127.0.0.1", "TRUSTED_PROXIES": "127.0.0.1/32", "LOG_LEVEL": "ERROR"}
        try:
            self.server_version = self.sql_value("SHOW server_version", [])
            enrollments = self.sql_value("SELECT count(*) FROM registry_enrollment e JOIN registry_office o ON o.id = e.office_id"
                                         " WHERE o.code = %s", [office])
        except Exception as exc:
            raise CommandError(f"no kept bench database at {self.url} ({str(exc).strip()}): run make bench-pages BENCH_ARGS=--keep first") from None
        if not enrollments:
            raise CommandError(f"office {office} has no enrollments in {self.url}: run make bench-pages BENCH_ARGS=--keep first")
        with tempfile.TemporaryDirectory(prefix="ektp-load-") as folder:
            folder = Path(folder)
            data = folder / "data.json"
            clerks = CLERKS * 2 ** (steps - 1)
            self.say(f"office {office}: {enrollments:,} enrollments; {clerks} clerk sessions and the residents' lookups")
            self.manage("shell", "-c", f"from tools.load_data import prepare; prepare({office!r}, {clerks}, {str(data)!r})", check=True)
            with self.served(folder, workers) as host:
                ceiling = self.run_step(folder, data, host, "ceiling", 20, RAMP_SECONDS + 20, 0)
                rows = [self.summary("ceiling: the offices list, 20 users that never pause", ceiling, RAMP_SECONDS + 20)]
                knee = None
                for step in range(steps):
                    multiple = 2 ** step
                    self.say(f"step {step + 1}: {CLERKS * multiple} clerks and {RESIDENTS * multiple} residents")
                    results = self.run_step(folder, data, host, "mix", multiple, step_seconds, step + 1)
                    rows.append(self.summary(f"{CLERKS * multiple} clerks, {RESIDENTS * multiple} residents", results, step_seconds))
                    p99 = percentile([r["seconds"] for r in results], 99)
                    if p99 >= TARGET_P99:
                        break
                    knee = rows[-1]
            self.say("check_ledger on the office")
            ledger = self.manage("check_ledger", "--office", office, ok=(0, 1))
        self.report(rows, ceiling_rate=rows[0]["rate"], knee=knee, ledger=ledger, workers=workers, enrollments=enrollments)
        missed = (rows[1]["p99"] >= TARGET_P99 or any(row["errors"] for row in rows) or ledger.code != 0
                  or knee is None or knee["desk_rate"] < TARGET_KNEE_SHARE * rows[0]["rate"])
        if strict and missed:
            sys.exit(1)

    def served(self, folder, workers):
        command = self

        class Served:
            def __enter__(self):
                app_port, self.http_port, self.https_port = free_port(), free_port(), free_port()
                # The proxy passes the Host without its port (443 in life): the origin with this port is named trusted.
                env = {**command.env, "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{self.https_port}"}
                self.gunicorn = subprocess.Popen(
                    [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{app_port}",
                     "--workers", str(workers)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                proxy_env = {"PATH": SEARCH_PATH, "UPSTREAM": f"127.0.0.1:{app_port}", "UPLOAD_MAX_MEGABYTES": "1024",
                             "HTTP_PORT": f"127.0.0.1:{self.http_port}", "HTTPS_PORT": f"127.0.0.1:{self.https_port}",
                             "CERT_DIR": str(folder / "certs"), "TEMPLATE": str(ROOT / "deploy" / "nginx.conf.template"),
                             "PREFIX": str(folder / "nginx"), "SERVER_NAME": "localhost"}
                self.nginx = subprocess.Popen([str(ROOT / "deploy" / "proxy-entrypoint.sh")], env=proxy_env,
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                try:
                    wait_for(app_port, self.gunicorn, "gunicorn")
                    wait_for(self.https_port, self.nginx, "nginx")
                except BaseException:
                    self.__exit__()
                    raise
                return f"https://127.0.0.1:{self.https_port}"

            def __exit__(self, *exc):
                for process in (self.nginx, self.gunicorn):
                    process.terminate()
                    try:
                        process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        process.kill()

        return Served()

    def run_step(self, folder, data, host, mode, users, step_seconds, number) -> list[dict]:
        results = folder / f"results-{number}.jsonl"
        env = {**os.environ, "LOAD_DATA": str(data), "LOAD_RESULTS": str(results), "LOAD_MODE": mode,
               "LOAD_PLAN": json.dumps([users]), "LOAD_STEP_SECONDS": str(step_seconds), "LOAD_RAMP_SECONDS": str(RAMP_SECONDS)}
        locust = [str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "tools" / "locustfile.py"), "--headless",
                  "--host", host, "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "10"]
        try:
            subprocess.run(locust, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=step_seconds + 60)
        except subprocess.TimeoutExpired:
            raise CommandError(f"Locust did not end its step of {step_seconds:.0f} s within a minute more") from None
        return [json.loads(line) for line in results.read_text().splitlines() if line.strip()]

    def summary(self, label, results, step_seconds) -> dict:
        counted = step_seconds - RAMP_SECONDS
        pages = {}
        for result in results:
            pages.setdefault(result["page"], []).append(result)
        times = [r["seconds"] for r in results]
        desk = [r for r in results if r["page"] in CLERK_PAGES]
        return {
            "label": label, "requests": len(results), "rate": len(results) / counted, "desk_rate": len(desk) / counted,
            "p50": percentile(times, 50), "p95": percentile(times, 95), "p99": percentile(times, 99),
            "errors": sum(1 for r in results if r["error"]), "error_kinds": sorted({r["error"] for r in results if r["error"]})[:5],
            "pages": {page: {"n": len(rs), "rate": len(rs) / counted, "p50": percentile([r["seconds"] for r in rs], 50),
                             "p95": percentile([r["seconds"] for r in rs], 95), "p99": percentile([r["seconds"] for r in rs], 99),
                             "errors": sum(1 for r in rs if r["error"])} for page, rs in sorted(pages.items())},
        }

    def report(self, rows, *, ceiling_rate, knee, ledger, workers, enrollments):
        ms = lambda seconds: f"{seconds * 1000:,.0f}"  # noqa: E731
        out = self.stdout.write
        out(machine_line(self.server_version))
        out(f"gunicorn {workers} sync workers behind the shipped nginx proxy (TLS), PostgreSQL; Locust on the same machine; "
            f"office of {enrollments:,} enrollments")
        out("")
        out("| step | requests/s | of them desks | p50 ms | p95 ms | p99 ms | errors |")
        out("|---|---|---|---|---|---|---|")
        for row in rows:
            out(f"| {row['label']} | {row['rate']:,.1f} | {row['desk_rate']:,.1f} | {ms(row['p50'])} | {ms(row['p95'])} | "
                f"{ms(row['p99'])} | {row['errors']}{' (' + '; '.join(row['error_kinds']) + ')' if row['errors'] else ''} |")
        for row in rows[1:]:
            out("")
            out(f"{row['label']}, per page:")
            out("| page | requests/s | p50 ms | p95 ms | p99 ms | errors |")
            out("|---|---|---|---|---|---|")
            for page, f in row["pages"].items():
                out(f"| {page} | {f['rate']:,.2f} | {ms(f['p50'])} | {ms(f['p95'])} | {ms(f['p99'])} | {f['errors']} |")
        out("")
        realistic = rows[1]
        out(f"realistic pace: p99 {ms(realistic['p99'])} ms (target < {ms(TARGET_P99)} ms): "
            f"{'ok' if realistic['p99'] < TARGET_P99 else 'MISSED'}")
        if knee:
            share = knee["desk_rate"] / ceiling_rate if ceiling_rate else 0
            out(f"knee (the last step under {ms(TARGET_P99)} ms at p99): {knee['label']}, desks {knee['desk_rate']:,.1f} requests/s, "
                f"{share:.0%} of the ceiling's {ceiling_rate:,.1f} (target >= {TARGET_KNEE_SHARE:.0%}): "
                f"{'ok' if share >= TARGET_KNEE_SHARE else 'MISSED'}")
        else:
            out("knee: none, the first step's p99 was over the target")
        verdict = "clean" if ledger.code == 0 else "BREACHES"
        out(f"check_ledger afterwards: {verdict}" + ("" if ledger.code == 0 else f"\n{ledger.out.strip()[-2000:]}"))
