"""Security headers Django does not send itself: Content-Security-Policy, Permissions-Policy, and no caching of personal data.

Every HTML page may load scripts, styles and images from this site only, run
no inline code (not even an onclick= or style= attribute: static/js/app.js
does that work), be framed by nobody and post forms only to this site.
"""
from django.conf import settings
from django.utils.cache import patch_cache_control

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
HEADER = "; ".join(" ".join([directive, *sources]) for directive, sources in POLICY.items())


class SecurityHeadersMiddleware:
    """Adds the policy to HTML responses (a PDF shown in the browser's viewer must not carry it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            # Every office page, download and document may hold residents' data: no browser or proxy keeps a copy.
            patch_cache_control(response, no_store=True, private=True)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        # Django's technical 404/500 pages (DEBUG only) are made of inline styles and scripts.
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        response.setdefault("Content-Security-Policy", HEADER)
        return response
