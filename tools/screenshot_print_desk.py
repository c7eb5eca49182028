"""The README's print desk screenshot (docs/images/print-desk.png): the desk as a clerk sees it at 1366x768 after marking a card.

`python -m tools.screenshot_print_desk [--url http://127.0.0.1:8000] [--user petugas.5371]` against a running server
with the demo data (`manage.py seed_demo`, password ektp-demo). It marks the tenth card printed from its row's
button, as a clerk would, and takes the screen the desk comes back with: the next card's row in view, its button
focused, the message at the top. Chromium is Debian's (/usr/bin/chromium).
"""
import argparse
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "print-desk.png"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="petugas.5371")
    parser.add_argument("--password", default="ektp-demo")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID").new_page()
        page.goto(args.url + "/masuk/")
        page.get_by_label("Nama pengguna").fill(args.user)
        page.get_by_label("Kata sandi").fill(args.password)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_url("**/dasbor/")
        page.goto(args.url + "/cetak/")
        row = page.locator("#queue tbody tr").nth(9)
        row.scroll_into_view_if_needed()
        row.get_by_role("button", name="Tercetak").click()
        page.wait_for_url("**/cetak/?at=*")
        page.wait_for_load_state("load")
        page.screenshot(path=str(OUT))
        browser.close()
    print(OUT)


if __name__ == "__main__":
    main()
