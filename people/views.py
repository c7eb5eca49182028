"""Login, and the head's page of login blocks."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.web import refused_text

from . import login_throttle
from .access import office_view
from .forms import LoginForm

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
