"""What an account does before any other page: change a one-time password, set up a required second factor."""
from django.shortcuts import redirect

from . import second_factor

# The pages an account with a duty still reaches: the duty's own, logging out, the language switch.
FREE = {"password_change", "password_change_done", "second_factor", "logout", "set_language"}


class AccountDutiesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        match = request.resolver_match
        if not user.is_authenticated or match is None or match.url_name in FREE or "admin" in match.namespaces:
            return None
        if user.must_change_password:
            return redirect("password_change")
        if second_factor.required(user) and second_factor.device(user) is None:
            return redirect("second_factor")
        return None
