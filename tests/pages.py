"""Reading pages as a logged-in user sees them, for the desks' tests; every office page, found from the URLs."""
import re
from functools import partial

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories
from tests.parallel import in_threads_at_once


def office_pages():
    """(name, route, roles let in) of every page made with `people.access.office_view`: a new desk is found the day it is added."""
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "allowed_roles"):
                yield pattern.name, prefix + str(pattern.pattern), pattern.callback.allowed_roles

    return sorted(walk(get_resolver().url_patterns))


def concrete(route, value="999999"):
    """The route with every parameter set to `value`."""
    return "/" + re.sub(r"<(?:\w+:)?\w+>", str(value), route)


def as_user(client, user):
    """The test client, logged in as `user`."""
    client.force_login(user)
    return client


def logged_in(user):
    """A fresh client logged in as `user` (several people at once, or from threads)."""
    return as_user(Client(), user)


def page(response):
    """The page's HTML; it must have been served (200)."""
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def post_at_once(clients, url, forms):
    """Each client posts its form to `url`, all at the same moment: (status codes, errors)."""
    responses, errors = in_threads_at_once([partial(client.post, url, form) for client, form in zip(clients, forms, strict=True)])
    return [response.status_code for response in responses], errors


def upload(client, tmp_path, rows, name="siak.csv"):
    """The clerk uploads a SIAK export with these rows (dicts) on the upload page: the response (a redirect to its page)."""
    return upload_file(client, factories.siak_file(tmp_path / name, rows))


def upload_file(client, path):
    with open(path, "rb") as handle:
        return client.post(reverse("enrollment_upload"), {"file": handle})
