"""Security headers Django does not send itself: Content-Security-Policy and Permissions-Policy.

Every HTML page may load scripts, styles and images from this site only, run
no inline code, be framed by nobody and post forms only to this site. The
office templates still carry a few inline attributes; each is allowed by its
hash alone ('unsafe-hashes'), never by 'unsafe-inline', and only outside the
public pages, which carry none. Moving one to a static file means deleting it
from INLINE_HANDLERS or INLINE_STYLES.
"""
import base64
import hashlib

from django.conf import settings

# Exactly the inline event handlers the office templates carry (templates/base.html: the language
# select; templates/registry/suket_detail.html: the print button).
INLINE_HANDLERS = ("this.form.submit()", "window.print()")
# Exactly the inline style attributes they carry (templates/registry/enrollments.html).
INLINE_STYLES = ("justify-content: space-between",)
# Pages for residents: no inline code at all is allowed there.
STRICT_PREFIXES = ("/publik/",)

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def _header(policy: dict) -> str:
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


STRICT_HEADER = _header(POLICY)
OFFICE_HEADER = _header({
    **POLICY,
    "script-src": [*POLICY["script-src"], "'unsafe-hashes'", *map(_hash, INLINE_HANDLERS)],
    "style-src": [*POLICY["style-src"], "'unsafe-hashes'", *map(_hash, INLINE_STYLES)],
})


class SecurityHeadersMiddleware:
    """Adds the policy to HTML responses (a PDF shown in the browser's viewer must not carry it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        # Django's technical 404/500 pages (DEBUG only) are made of inline styles and scripts.
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        strict = request.path.startswith(STRICT_PREFIXES)
        response.setdefault("Content-Security-Policy", STRICT_HEADER if strict else OFFICE_HEADER)
        return response
