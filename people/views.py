"""Login, the password and second factor of one's own account, and the head's pages of the office's accounts and login blocks."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.web import refused_text

from . import accounts, login_throttle, second_factor
from .access import office_view
from .forms import AccountForm, LoginForm, RoleForm, SecondFactorCodeForm

DEMO_PASSWORD = "ektp-demo"


class DemoLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # seed_demo marks its users (and runs only with DEBUG=1); a production server lists none, whatever its data.
        demo_users = get_user_model().objects.filter(is_demo=True).select_related("office").order_by("office__code", "username")
        context["demo_users"] = demo_users if settings.DEMO else demo_users.none()
        context["demo_password"] = DEMO_PASSWORD
        return context


@office_view("manage_login_blocks")
def login_blocks(request):
    """The addresses blocked after failed logins on the office's accounts, and the accounts being slowed down."""
    now = timezone.now()
    return render(request, "people/login_blocks.html", {
        "blocks": login_throttle.office_blocks(request.office, now),
        "slowed": login_throttle.office_slowed_accounts(request.office, now),
        "per_address": settings.LOGIN_FAILURES_PER_ADDRESS, "block_minutes": settings.LOGIN_BLOCK_MINUTES,
        "per_account": settings.LOGIN_FAILURES_PER_ACCOUNT,
    })


@office_view("manage_login_blocks")
@require_POST
def lift_login_block(request):
    address = request.POST.get("address", "")
    try:
        login_throttle.lift_block(office=request.office, address=address, by=request.user)
    except ValidationError as exc:
        messages.error(request, refused_text(exc))
    else:
        messages.success(request, _("The block on %(address)s is lifted: it can log in again.") % {"address": address})
    return redirect("login_blocks")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own, and a one-time password given by the head is done with once changed."""

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.password_changed(self.request.user)
        return response


@office_view()
def second_factor_page(request):
    """One's own second factor: set up on POST (a QR code to scan), confirmed by the first code from the app."""
    user = request.user
    if request.method == "POST":
        if request.POST.get("step") == "start":
            second_factor.start(user)
            return redirect("second_factor")
        form = SecondFactorCodeForm(request.POST)
        if form.is_valid() and second_factor.confirm(user, form.cleaned_data["code"]):
            messages.success(request, _("The second factor is set up: from now on you log in with a code from the app too."))
            return redirect("home")
        messages.error(request, _("That code is not the one the app shows now. Scan the QR code again if needed and type the new code."))
        return redirect("second_factor")
    pending = second_factor.pending_device(user)
    return render(request, "people/second_factor.html", {
        "device": second_factor.device(user), "pending": pending, "qr": second_factor.qr_svg(pending) if pending else "",
        "key": second_factor.manual_key(pending) if pending else "",
        "required": second_factor.required(user), "form": SecondFactorCodeForm(),
    })


@office_view("manage_accounts")
def office_accounts(request):
    """The office's accounts, what the head may do with each, the second factor setting and the history of changes."""
    User = get_user_model()
    people = list(User.objects.filter(office=request.office).order_by("-is_active", "role", "username"))
    with_device = second_factor.accounts_with_device(request.office)
    now = timezone.now()
    return render(request, "people/accounts.html", {
        "people": [(person, person.pk in with_device) for person in people],
        "roles": accounts.OFFICE_ROLES, "form": AccountForm(), "history": accounts.history(request.office),
        "blocks": len(login_throttle.office_blocks(request.office, now)), "slowed": len(login_throttle.office_slowed_accounts(request.office, now)),
        "second_factor_roles": second_factor.ROLES, "office": request.office,
    })


def _done(request, run, success):
    """Run a change of an account; its message, then back to the accounts page."""
    try:
        done = run()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success(done))
    return redirect("office_accounts")


def _name(account):
    return account.get_full_name() or account.username


@office_view("manage_accounts")
@require_POST
def account_add(request):
    form = AccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return redirect("office_accounts")
    return _done(request, lambda: accounts.add_account(office=request.office, by=request.user, now=timezone.now(), **form.cleaned_data),
                 lambda done: _("Account %(name)s added. Its one-time password: %(password)s (give it in person; it is changed at the first login).")
                 % {"name": done.account.username, "password": done.password})


@office_view("manage_accounts")
@require_POST
def account_role(request, pk):
    role = RoleForm(request.POST)
    chosen = role.cleaned_data["role"] if role.is_valid() else ""
    return _done(request, lambda: accounts.change_role(office=request.office, by=request.user, account_id=pk, role=chosen, now=timezone.now()),
                 lambda done: (_("%(name)s is now %(role)s.") % {"name": _name(done.account), "role": done.account.get_role_display()})
                 if done.change else _("Nothing changed."))


@office_view("manage_accounts")
@require_POST
def account_active(request, pk):
    active = request.POST.get("active") == "1"
    return _done(request, lambda: accounts.set_active(office=request.office, by=request.user, account_id=pk, active=active, now=timezone.now()),
                 lambda done: (_("%(name)s can log in again.") if active else _("%(name)s is deactivated and logged out everywhere."))
                 % {"name": _name(done.account)})


@office_view("manage_accounts")
@require_POST
def account_password(request, pk):
    return _done(request, lambda: accounts.reset_password(office=request.office, by=request.user, account_id=pk, now=timezone.now()),
                 lambda done: _("One-time password for %(name)s: %(password)s (give it in person; it is changed at the next login). "
                                "The account was logged out and sets up its second factor again if it needs one.")
                 % {"name": _name(done.account), "password": done.password})


@office_view("manage_accounts")
@require_POST
def office_second_factor(request):
    required = request.POST.get("required") == "1"
    return _done(request, lambda: accounts.require_second_factor(office=request.office, by=request.user, required=required, now=timezone.now()),
                 lambda change: _("The head and the stock keeper now log in with a code from a phone app too; each sets it up at their next page.")
                 if required else _("A second factor is no longer required (accounts that set one up keep using it)."))
