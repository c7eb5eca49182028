"""`make loadtest`'s users, run by Locust (`manage.py loadtest` starts it; see tools/management/commands/loadtest.py).

Clerks at the desks of one office (print clicks, searches, pickups, Suket)
and residents on the public pages (the ready board, "my card", a Suket's
check), over HTTPS through the shipped proxy, each resident from a loopback
address of its own (127.x.y.z) as the proxy and the rate limit would see
them in life. LOAD_DATA names a JSON file the command wrote: the address,
the clerks' sessions, the residents' lookups. Each request's time goes into
LOAD_RESULTS (JSON lines: step, page, seconds, error), which the command
sums up per step; the command decides the steps (LOAD_PLAN, users per step).

LOAD_MODE=ceiling runs one user class only: a one-query page (the offices
list) asked for with no pause, the most requests a second this setup serves.
"""
import json
import os
import random
import re
import time
from itertools import count

import gevent
import urllib3
from locust import HttpUser, LoadTestShape, between, constant, events, task
from requests.adapters import HTTPAdapter

urllib3.disable_warnings()  # the proxy's certificate is the self-signed one its entrypoint made
DATA = json.load(open(os.environ["LOAD_DATA"]))
PLAN = json.loads(os.environ.get("LOAD_PLAN", "[1]"))  # users (a multiple of the realistic 50 clerks and 200 residents) per step
STEP_SECONDS = float(os.environ.get("LOAD_STEP_SECONDS", "40"))
RAMP_SECONDS = float(os.environ.get("LOAD_RAMP_SECONDS", "8"))
MODE = os.environ.get("LOAD_MODE", "mix")
CLERKS, RESIDENTS = 50, 200  # a step's users are a multiple of these: an office's desks and its residents online
_results = open(os.environ["LOAD_RESULTS"], "w")
_addresses = count(1)
_clerk_sessions = count()
_step = {"n": -1, "counted_from": float("inf")}  # the step now, and when its users have all arrived (set by Steps)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **_):
    if time.monotonic() < _step["counted_from"]:
        return  # users still arriving: not counted
    if exception is None and response is not None and response.status_code >= 400:
        exception = f"HTTP {response.status_code}"
    _results.write(json.dumps({"step": _step["n"], "page": name, "seconds": response_time / 1000,
                               "error": None if exception is None else str(exception)[:200]}) + "\n")


class SourceAddress(HTTPAdapter):
    """Connections from one loopback address of this user's own."""

    def __init__(self, address, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def loopback_address() -> str:
    n = next(_addresses)
    return f"127.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 or 1}"


def form_fields(html: str, action: str) -> dict:
    """The hidden fields (the CSRF token, the one-time form token, next) of the form posting to `action`."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, flags=re.S)
    if not form:
        return {}
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))


class Office(HttpUser):
    abstract = True

    def on_start(self):
        self.client.verify = False
        self.client.mount("https://", SourceAddress(loopback_address()))
        if MODE != "ceiling":
            gevent.sleep(random.uniform(0, RAMP_SECONDS))  # people arrive over the ramp, not all in its first second

    def post_form(self, page_html: str, action: str, fields: dict, name: str):
        data = {**form_fields(page_html, action), **fields}
        return self.client.post(action, data=data, name=name, allow_redirects=False,
                                headers={"Referer": self.host + action, "Origin": self.host})


class Clerk(Office):
    """A clerk at the desks: mostly printing, then pickups, searches and a Suket now and then.

    One action every 20 to 60 seconds: an e-KTP card printer takes about a minute a card, a resident at the
    pickup counter a few minutes. Each action is a page and, mostly, the form sent from it (2 requests).
    """

    weight = CLERKS
    wait_time = between(20, 60)

    def on_start(self):
        super().on_start()
        sessions = DATA["clerk_sessions"]
        self.client.cookies.set(DATA["session_cookie"], sessions[next(_clerk_sessions) % len(sessions)], path="/")

    @task(6)
    def print_a_card(self):
        desk = self.client.get("/cetak/", name="print desk").text
        jobs = re.findall(r'action="(/cetak/\d+/tercetak/)"', desk)
        if jobs:
            action = random.choice(jobs[:10])  # clerks at several printers take cards near the head of the queue
            self.post_form(desk, action, {}, "print click")

    @task(2)
    def hand_over_a_card(self):
        ready = self.client.get("/pengambilan/siap/", name="ready cards").text
        cards = re.findall(r'href="(/pengambilan/\d+/)"', ready)
        if cards:
            card = random.choice(cards)
            page = self.client.get(card, name="a ready card").text
            action = card + "serahkan/"
            if f'action="{action}"' in page:
                self.post_form(page, action, {"collected_as": "self"}, "pickup")

    @task(2)
    def search(self):
        if random.random() < 0.5:
            self.client.get(f"/perekaman/?nik={random.choice(DATA['nik_prefixes'])}", name="enrollments, a NIK searched")
        else:
            self.client.get(f"/pengambilan/?q={random.choice(DATA['names'])}", name="pickup desk, a name searched")

    @task(1)
    def issue_a_suket(self):
        page = self.client.get("/suket/", name="Suket list").text
        self.post_form(page, "/suket/terbitkan/", {"nik": random.choice(DATA["queued_niks"])}, "Suket issued")


class Resident(Office):
    """A resident online: the office's ready board, "my card", a Suket's check. A page every 20 to 60 seconds."""

    weight = RESIDENTS
    wait_time = between(20, 60)

    @task(3)
    def ready_board(self):
        self.client.get(f"/publik/{DATA['office']}/", name="public: ready board")

    @task(3)
    def my_card(self):
        nik, birth, mother = random.choice(DATA["lookups"])
        form = self.client.get("/publik/kartu-saya/", name="public: my card form").text
        self.post_form(form, "/publik/kartu-saya/", {"nik": nik, "tanggal_lahir": birth, "nama_ibu": mother}, "public: my card")

    @task(1)
    def suket_check(self):
        self.client.get(f"/publik/suket/{random.choice(DATA['suket_numbers'])}/", name="public: Suket check")


class Ceiling(Office):
    """The one-query page, asked for as fast as an answer comes."""

    wait_time = constant(0)

    @task
    def offices(self):
        self.client.get("/publik/", name="one-query page (ceiling)")


class Steps(LoadTestShape):
    """The plan's steps, STEP_SECONDS each; the users start within a second and each arrives at a random moment of
    the step's first RAMP_SECONDS (not counted)."""

    def tick(self):
        step = int(self.get_run_time() // STEP_SECONDS)
        if step >= len(PLAN):
            _results.flush()
            return None
        if step != _step["n"]:
            _step.update(n=step, counted_from=time.monotonic() + RAMP_SECONDS)
        users = PLAN[step] if MODE == "ceiling" else PLAN[step] * (CLERKS + RESIDENTS)
        return users, users, [Ceiling] if MODE == "ceiling" else [Clerk, Resident]
