"""Finding records by name the way a clerk types one: every word typed starts a word of the name, in any order.

"rina riwu" finds Rina Riwu and Riwu Rina, not Katarina Riwu. On PostgreSQL the name's words are a
'simple' text-search vector matched with prefix queries (`rina:* & riwu:*`), the very expression of the
index the pickup desk reads (registry migration 0020: the office's ready cards); on SQLite a regular
expression per word does the same, without an index.
"""
import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import QuerySet

WORD = re.compile(r"\w+")


def name_words(text: str) -> list[str]:
    """The words of what was typed, lower case: punctuation separates words, as it does in the text-search parser."""
    return WORD.findall(text.lower())


def with_name_words(records: QuerySet, text: str, *, field: str = "name") -> QuerySet:
    """The records whose `field` (a name, or a path to one: "enrollment__name") has a word starting with each word of `text`."""
    words = name_words(text)
    if not words:
        return records
    if connection.vendor == "postgresql":
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="simple")
        # SearchVector writes to_tsvector('simple'::regconfig, COALESCE(name, '')): the index's expression.
        return records.alias(name_words=SearchVector(field, config="simple")).filter(name_words=query)
    for word in words:
        records = records.filter(**{f"{field}__iregex": rf"(^|\W){re.escape(word)}"})
    return records
