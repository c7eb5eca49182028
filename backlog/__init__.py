"""The write side: every change of a card, of the blank ledger and of the maintained figures goes through here.

Views, management commands and Celery tasks call these functions and
nothing else writes. The app has no models of its own; it writes the
models of registry, inventory and printing. See docs/write-side.md.
"""
