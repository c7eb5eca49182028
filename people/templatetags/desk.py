"""`{% form_token %}`: the one-time token every desk form carries (people.access.office_view keeps it)."""
import secrets

from django import template
from django.utils.html import format_html

from people.access import FORM_TOKEN

register = template.Library()


@register.simple_tag
def form_token():
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_TOKEN, secrets.token_urlsafe(24))
