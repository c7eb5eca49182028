"""What every desk's view says and where it sends the user: a refusal as one sentence, a "next" address that stays on this site."""
from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme


def refused_text(error) -> str:
    """A service's refusal (ValidationError, or a refused action) as the sentence the person reads."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def safe_next(request, default, target=None):
    """Back to the address the form names in `next` (or `target`), if it is on this site; else `default`."""
    if target is None:
        target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default
