"""Who sees what: every office page, found from the URL configuration, tried by everyone.

Pages are discovered (any view made with `people.access.office_view`), so a
new desk is covered the day it is added.
"""
import pytest

from people.roles import Role
from tests import factories as f
from tests.pages import concrete, office_pages

pytestmark = pytest.mark.django_db


PAGES = office_pages()


def test_the_office_pages_are_found():
    names = {name for name, _, _ in PAGES}
    assert {"enrollments", "duplicates", "suket_list", "print_desk", "pickup_desk", "stock", "dashboard", "requests"} <= names


@pytest.mark.parametrize("name, route, roles", PAGES, ids=[p[0] for p in PAGES])
def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(client, name, route, roles):
    for method in (client.get, client.post):
        response = method(concrete(route))
        assert response.status_code == 302 and response.url.startswith("/masuk/")


@pytest.mark.parametrize("name, route, roles", PAGES, ids=[p[0] for p in PAGES])
def test_an_account_without_an_office_gets_403(client, name, route, roles):
    admin = f.user(f.office("5371"), Role.ADMIN)
    admin.office = None
    admin.save()
    client.force_login(admin)
    assert client.get(concrete(route)).status_code == 403


@pytest.mark.parametrize("name, route, roles", PAGES, ids=[p[0] for p in PAGES])
def test_each_role_is_let_in_or_refused_and_unknown_records_are_404(client, name, route, roles):
    office = f.office("5371")
    for role in (Role.CLERK, Role.STOCK_KEEPER, Role.HEAD):
        client.force_login(f.user(office, role))
        status = client.get(concrete(route)).status_code
        if role not in roles:
            assert status == 403, (role, status)
        elif "<" in route:
            assert status in (404, 405), (role, status)
        else:
            assert status in (200, 405), (role, status)
