"""No dead ends: every link and every form on every office page, followed as each role, is let through (never a 403).

A page answered 403 is not shown to that role; what it shows is. Every
<a href> of the office is opened; every form is sent as the page has it
(its hidden fields, the values it shows, the first choice of each set),
so a form that its role would see refused only after filling it in (the
duplicate-resolution form for the stock keeper) fails here as well as a
link to a page that is not for them.
"""
import re
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.test import Client

from people.roles import Role
from registry.models import DuplicateCase, User
from tests import factories as f, writes
from tests.test_every_page import office_urls

pytestmark = pytest.mark.django_db

ROLES = (Role.STOCK_KEEPER, Role.HEAD, Role.CLERK)
# Not the office's: the account menu's logout and the language switch (they end or change the crawl), files, other sites.
LEFT_OUT = re.compile(r"^/(keluar|i18n|static|media|admin)/")


class Targets(HTMLParser):
    """The links and forms of a page: [(method, url, data)]."""

    def __init__(self, base):
        super().__init__(convert_charrefs=True)
        self.base, self.found, self.form = base, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") and not attrs["href"].startswith(("#", "mailto:", "tel:", "javascript:")):
            self.found.append(("get", urljoin(self.base, attrs["href"]), {}))
        elif tag == "form":
            self.form = {"method": (attrs.get("method") or "get").lower(), "url": urljoin(self.base, attrs.get("action") or self.base), "data": {}}
        elif self.form is not None and attrs.get("name"):
            data = self.form["data"]
            if tag == "input" and attrs.get("type") in ("radio", "checkbox"):
                if attrs.get("type") == "radio" and attrs["name"] not in data:
                    data[attrs["name"]] = attrs.get("value", "on")
            elif tag in ("input", "textarea"):
                data.setdefault(attrs["name"], attrs.get("value", ""))
            elif tag == "select":
                self.form["select"] = attrs["name"]
        if tag == "option" and self.form is not None and self.form.get("select"):
            self.form["data"].setdefault(self.form["select"], attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select" and self.form is not None:
            self.form.pop("select", None)
        if tag == "form" and self.form is not None:
            self.found.append((self.form["method"], self.form["url"], self.form["data"]))
            self.form = None


def targets(url, html):
    parser = Targets(url)
    parser.feed(html)
    return [(method, target, data) for method, target, data in parser.found
            if not urlsplit(target).netloc or urlsplit(target).netloc == "testserver"]


def _key(method, url):
    """One try per kind of target: the same address with other record ids or other values is the same check."""
    parts = urlsplit(url)
    return method, re.sub(r"\d+", "N", parts.path), tuple(sorted({name for name in re.findall(r"([^&=]+)=", parts.query)}))


@pytest.fixture
def office(worker_away):
    """An office with something of every kind: waiting, queued, printed, collected and spoiled cards, cases, Suket, blanks."""
    return writes.busy_office(30)


def dead_ends(office, role):
    """(page, method, target, status) of every link or form shown to this role that answers 403."""
    client = Client(raise_request_exception=False)
    client.force_login(f.person(office, role))
    found, tried = [], set()
    for page in office_urls(office, documents=False):
        answer = client.get(page)
        if answer.status_code != 200 or not answer["Content-Type"].startswith("text/html"):
            continue
        for method, target, data in targets("http://testserver" + page, answer.content.decode()):
            parts = urlsplit(target)
            if LEFT_OUT.match(parts.path) or _key(method, target) in tried:
                continue
            tried.add(_key(method, target))
            address = parts.path + (f"?{parts.query}" if parts.query else "")
            if method == "post":
                status = client.post(address, data).status_code
            else:
                status = client.get(address + (("&" if parts.query else "?") + urlencode(data) if data else "")).status_code
            if status == 403:
                found.append((page, method, address, status))
    return found, tried


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_no_link_or_form_shown_to_a_role_ends_in_403(office, role):
    found, tried = dead_ends(office, role)
    assert found == [], "\n".join(map(repr, found))
    assert len(tried) > 30  # the crawl did follow the pages' links and forms


def test_the_stock_keeper_is_shown_no_upload_no_suket_issue_and_no_duplicate_resolution(office):
    keeper = Client()
    keeper.force_login(User.objects.filter(office=office, role=Role.STOCK_KEEPER).first())
    enrollments, sukets = keeper.get("/perekaman/").content.decode(), keeper.get("/suket/").content.decode()
    assert "/perekaman/unggah/" not in enrollments and "Unggah ekspor SIAK" not in enrollments
    assert 'action="/suket/terbitkan/' not in sukets
    case = DuplicateCase.objects.filter(office=office, status=DuplicateCase.Status.OPEN).first()
    assert case is not None
    page = keeper.get(f"/data-ganda/{case.pk}/").content.decode()
    assert 'name="note"' not in page and "Tutup kasus" not in page
    # Sent all the same (an old tab), the case is refused at once, with the 403 page, and stays open.
    assert keeper.post(f"/data-ganda/{case.pk}/", {"decision": "void", "note": "KTP"}).status_code == 403
    case.refresh_from_db()
    assert case.status == DuplicateCase.Status.OPEN
