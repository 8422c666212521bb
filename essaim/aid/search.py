"""Searching the board: PostgreSQL full-text search where available, word matching elsewhere.

On PostgreSQL the text search configurations `essaim_fr` and `essaim_en` (migration 0002) are
copies of `french` and `english` that also remove accents, so "velo", "vélo" and "vélos" find
each other. On SQLite (the demo and the default test run) each query word must appear in
`search_text`, a lower-case accent-free copy of the listing's text, with a light plural folding.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import CombinedExpression

from essaim.core.text import normalise

SEARCH_CONFIGS = {"fr": "essaim_fr", "en": "essaim_en"}


def search_text_for(*, title: str, body: str, place: str) -> str:
    return normalise(f"{title} {body} {place}")


def _stem(word: str) -> str:
    # "velos" → "velo", "travaux" → "travau": enough for plurals in French and English.
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def search_vector(config: str) -> CombinedExpression:
    """The expression the GIN indexes of migration 0002 are built on: queries must use the
    very same expression for PostgreSQL to use them."""
    return SearchVector("title", weight="A", config=config) + SearchVector(
        "body", "place", weight="B", config=config
    )


def apply_search(queryset: QuerySet, query: str, *, language: str = "fr") -> QuerySet:
    """Keep the rows matching `query`, best matches first on PostgreSQL."""
    if connection.vendor == "postgresql":
        config = SEARCH_CONFIGS.get(language[:2], "essaim_fr")
        # Every word as a prefix of its plural-folded form: Snowball's French stemmer keeps
        # "velos" and "velo" apart, "velo:*" finds both. `normalise` leaves only word
        # characters, so nothing in the raw query can be a tsquery operator.
        terms = [f"{_stem(word)}:*" for word in normalise(query).split()]
        if not terms:
            return queryset
        search_query = SearchQuery(" & ".join(terms), config=config, search_type="raw")
        return (
            queryset.annotate(search=search_vector(config))
            .filter(search=search_query)
            .annotate(rank=SearchRank(F("search"), search_query))
            .order_by("-rank", "-created_at", "-pk")
        )
    for word in normalise(query).split():
        queryset = queryset.filter(search_text__contains=_stem(word))
    return queryset
