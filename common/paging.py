"""Pages of a list, whatever the address asks: a fixed number of rows a page, a page number within reach.

Every list page of every desk goes through `paginate` (a table) or
`page_of` (a plain list of records): a `per_page` in the URL cannot make a
page read a million rows, and a page number that is no number, below one or
past the end (`?page=99999999999999999999` overflowed the database's
integers) shows the nearest page that exists.
"""
import json

from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

# Past this, the page is past the end of any office's list (5,000,000 rows are 200,000 pages of 25).
MAX_PAGE = 10_000_000


def page_number(value) -> int:
    """The page asked for, as a number from 1 to MAX_PAGE: 1 for anything that is not a whole number."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def paginate(request, table, *, per_page=25, count=False, sort_at_most=None, known_count=None):
    """The table sorted as the request asks, `per_page` rows a page.

    Without `count` no COUNT runs over an office's millions of rows (django-tables2's
    LazyPaginator); only a page past the end counts, to show the last page instead.
    `known_count`: the number of rows, from a kept figure, for a counted table.
    With `sort_at_most`, a sort other than the table's own order (or its reverse,
    which an index reads) is made only when at most that many rows match (as
    `more_than` tells): past it the table keeps its own order and
    `table.too_many_to_sort` is that number, for the page to say so (sorting a
    million matches would be a million rows read on every page turn).
    """
    RequestConfig(request, paginate=False).configure(table)
    if known_count is not None:
        table.data._length = known_count  # a figure the write side keeps: no COUNT over the rows (django-tables2's cache)
    table.too_many_to_sort = None
    own = [name.lstrip("-") for name in table._meta.order_by or ()]
    if (sort_at_most is not None and [name.lstrip("-") for name in table.order_by or ()] != own
            and more_than(table.data.data, sort_at_most)):
        table.order_by = table._meta.order_by
        table.too_many_to_sort = sort_at_most
    number = page_number(request.GET.get(table.prefixed_page_field))
    try:
        table.paginate(paginator_class=Paginator if count else LazyPaginator, page=number, per_page=per_page)
    except EmptyPage:
        table.paginate(paginator_class=Paginator, page=Paginator(table.data, per_page).num_pages, per_page=per_page)
    return table


def more_than(records, limit: int) -> bool:
    """Whether more than `limit` of these records match, without reading them all.

    On PostgreSQL the planner's estimate answers (its statistics of the office's
    records): counting even the first 20,001 matches of a common first name read
    the whole bitmap of the name index's 100,000 entries for it, 350 ms. On
    SQLite (an embedded, small office) the first `limit` + 1 are counted.
    """
    records = records.order_by()
    if connections[records.db].vendor == "postgresql":
        return json.loads(records.explain(format="json"))[0]["Plan"]["Plan Rows"] > limit
    return records[:limit + 1].count() > limit


def page_of(request, records, *, per_page):
    """One page of a queryset of records (not a table), lazily: the last page for a number past the end."""
    number = page_number(request.GET.get("page"))
    try:
        return LazyPaginator(records, per_page).page(number)
    except EmptyPage:
        paginator = Paginator(records, per_page)
        return paginator.page(paginator.num_pages)
