"""The one table of who may do what (people.roles.ACTIONS): what each role may, what the system may, and that every service asks it."""
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from unittest import mock

import pytest
from django.template import Context, Template
from django.utils import translation

import backlog
from people import login_throttle
from people.roles import ACTIONS, Refused, Role, may, refusal, require, system_user
from tests import factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# What each of the office's people does (DOMAIN.md, "Who uses it"), and what the commands and tasks need.
EXPECTED = {
    Role.CLERK: {"see_office", "upload_enrollments", "correct_records", "resolve_duplicates", "issue_suket", "build_queue",
                 "print_cards", "correct_marks", "report_defective", "hand_over_cards", "apply_later_exports"},
    Role.STOCK_KEEPER: {"see_office", "receive_blanks", "write_off_blanks", "count_stock", "correct_receipts", "see_stock_reports"},
    Role.HEAD: {"see_office", "upload_enrollments", "correct_records", "resolve_duplicates", "reopen_duplicates", "issue_suket",
                "build_queue", "correct_marks", "correct_past_marks", "report_defective", "receive_blanks", "write_off_blanks",
                "decide_stock_counts", "correct_receipts", "decide_receipt_corrections", "see_stock_reports", "write_requests",
                "set_lead_time", "manage_login_blocks", "manage_accounts", "apply_later_exports"},
}
# The stable commands (create_office, import_enrollments, receive_blanks, build_print_queue) and the periodic tasks.
SYSTEM_MAY = {"create_offices", "upload_enrollments", "apply_later_exports", "receive_blanks", "build_queue", "set_time_zone",
              "remove_old_uploads"}
# Helpers that services call once they have checked; they are not called by a page, a command or a task.
CALLED_BY_SERVICES = {"cards.move", "ledger.use_blanks", "ledger.reverse", "duplicates.close_case"}


@pytest.mark.parametrize("role", list(EXPECTED), ids=str)
def test_each_role_may_take_exactly_its_actions_in_its_own_office(role):
    kupang, tangerang = f.office("5371"), f.office("3603")
    person = f.user(kupang, role)
    assert {action for action in ACTIONS if may(person, action, kupang)} == EXPECTED[role]
    assert not any(may(person, action, tangerang) for action in ACTIONS)


def test_the_system_user_may_do_what_the_commands_and_tasks_need_and_nothing_at_a_desk():
    kupang = f.office("5371")
    sistem = system_user()
    assert sistem.username == "sistem" and not sistem.is_active and not sistem.has_usable_password()
    assert {action for action in ACTIONS if may(sistem, action, kupang)} == SYSTEM_MAY
    assert system_user() == sistem


def test_the_administrator_creates_offices_and_sets_their_clock_only():
    admin = f.user(f.office("5371"), Role.ADMIN)
    admin.office, admin.is_superuser = None, True
    assert {action for action in ACTIONS if may(admin, action)} == {"create_offices", "set_time_zone"}


def test_nobody_and_an_account_without_an_office_may_do_nothing():
    kupang = f.office("5371")
    loose = f.user(kupang, Role.HEAD)
    loose.office = None
    assert not any(may(None, action) or may(loose, action) for action in ACTIONS)


def test_a_refusal_says_in_indonesian_what_is_refused_and_who_may_do_it():
    clerk = f.user(f.office("5371"), Role.CLERK)
    with translation.override("id"), pytest.raises(Refused) as refused:
        require(clerk, "count_stock")
    assert str(refused.value) == "Mencatat hitung fisik stok hanya untuk bendahara barang."
    with translation.override("id"):
        assert refusal(clerk, "receive_blanks") == "Membukukan blanko yang diterima dari kementerian hanya untuk bendahara barang atau kepala dinas."
        assert "tidak ada" in refusal(None, "print_cards")


def _services():
    """Every public function of the write side that takes the acting user `by`, and the people app's one (lifting a login block)."""
    found = []
    for module_info in pkgutil.iter_modules(backlog.__path__):
        if module_info.name == "tasks":
            continue
        module = importlib.import_module(f"backlog.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_") or f"{module_info.name}.{name}" in CALLED_BY_SERVICES:
                continue
            if "by" in inspect.signature(function).parameters:
                found.append((f"{module_info.name}.{name}", function))
    return [*found, ("login_throttle.lift_block", login_throttle.lift_block)]


SERVICES = _services()


def test_the_services_are_found():
    names = {name for name, _function in SERVICES}
    assert {"desks.mark_printed", "suket.issue_suket", "duplicates.resolve_duplicate_case", "ledger.receive_blanks",
            "queue.build_print_queue", "imports.import_enrollments", "offices.create_office", "corrections.undo_printed"} <= names
    assert len(names) >= 30


@pytest.mark.parametrize("name, service", SERVICES, ids=[name for name, _ in SERVICES])
def test_every_service_names_its_actor_and_refuses_a_call_with_none_before_it_reads_anything(name, service):
    assert inspect.signature(service).parameters["by"].default is inspect.Parameter.empty, f"{name}: `by` has a default"
    arguments = {parameter: mock.MagicMock() for parameter, spec in inspect.signature(service).parameters.items()
                 if spec.default is inspect.Parameter.empty and parameter != "by"}
    with mock.patch("django.db.transaction.atomic", side_effect=AssertionError(f"{name} opened a transaction before its check")):
        with pytest.raises(Refused):
            service(**arguments, by=None)


def test_a_template_shows_a_button_only_to_who_may_take_it():
    kupang = f.office("5371")
    button = Template('{% if user|may:"print_cards" %}<button>Tercetak</button>{% endif %}')
    shown = {role: "Tercetak" in button.render(Context({"user": f.user(kupang, role)})) for role in EXPECTED}
    assert shown == {Role.CLERK: True, Role.STOCK_KEEPER: False, Role.HEAD: False}


def test_no_role_name_and_no_role_check_is_written_outside_the_table():
    checks = re.compile(r"\.role\s*(==|!=|in|not in)\b|Role\.(CLERK|STOCK_KEEPER|HEAD)\b|require_head|allowed_roles\s*=")
    found = []
    for package in ("backlog", "inventory", "printing", "registry", "public", "people", "templates"):
        for path in (ROOT / package).rglob("*.py" if package != "templates" else "*.html"):
            if path.name == "roles.py" or "migrations" in path.parts or "management" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if checks.search(line) or (package == "templates" and re.search(r"user\.role|is_head|'clerk'|\"clerk\"|stock_keeper", line)):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    # office_view's allowed_roles is read from the table; a new account's default role is not a check.
    allowed = ("people/access.py:", "registry/models.py:", "people/accounts.py:")
    # ...and an office keeps its last head (people.accounts): a rule of who holds a role, not of what a role may.
    # Who holds a role, not what it may: the last head stays, a new account's role, the roles a second factor is asked of.
    held = ("people/accounts.py:", "people/forms.py:", "people/second_factor.py:", "templates/people/accounts.html:")
    assert [line for line in found if not (line.startswith(held) or line.startswith(allowed)
                                           and ("allowed_roles" in line or "default=Role.CLERK" in line))] == []


def test_the_write_side_document_says_what_the_table_says():
    text = (ROOT / "docs" / "write-side.md").read_text()
    section = text[text.index("## Who may do what"):]
    columns = ["clerk", "stock_keeper", "head", "admin", "system"]
    documented = {}
    for line in section.splitlines():
        match = re.match(r"\| `(\w+)` \| ([^|]+) \|(.*)\|$", line)
        if match:
            cells = [cell.strip() for cell in match.group(3).split("|")]
            documented[match.group(1)] = (match.group(2).strip(), {column for column, cell in zip(columns, cells, strict=True) if cell == "yes"})
    with translation.override("en"):
        assert documented == {action: (str(entry.label), set(entry.actors)) for action, entry in ACTIONS.items()}
