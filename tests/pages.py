"""Reading pages as a logged-in user sees them, for the desks' tests."""
from django.test import Client


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
