"""Steps every browser walk shares."""
from tests.factories import PASSWORD


def log_in(page, base_url, username, password=PASSWORD):
    """Log in through the login page, as a person does; office people land on the dashboard."""
    page.goto(base_url + "/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(base_url + "/dasbor/")
