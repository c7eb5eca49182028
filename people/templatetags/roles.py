"""`{{ user|may:"print_cards" }}`: a button or a menu link is shown only to those the table of actions lets take it."""
from django import template

from people.roles import may as may_take

register = template.Library()


@register.filter
def may(user, action):
    """Whether this user may take `action` (people.roles.ACTIONS) in their own office."""
    return may_take(user, action, getattr(user, "office_id", None))
