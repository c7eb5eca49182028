"""The office's desks: every page a clerk, a stock keeper or a head uses, and the command-line tools.

They read through the apps' selectors and change things only through the write side (backlog), so
the apps below them (registry, inventory, printing) never import the write side or a desk.
"""
