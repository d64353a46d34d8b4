"""Archive text search on an index: SQLite FTS5 (trigram) or PostgreSQL pg_trgm (GIN).

Users type parts of words ("janji", "sekret 2026", "62/46"); both indexes answer substring
matches of three or more characters without scanning the table. Shorter words (and
characters FTS5 cannot quote) fall back to ``LIKE`` on the already narrowed rows.

Counting every match of a broad word ("kinerja": most of the archive) costs as much as a
scan, so the count stops at ``COUNT_CAP`` ("lebih dari 200"). The page itself takes one
of two plans: few text matches -> their ids from the text index, then filtered and ordered;
many -> walk the ``archived_at`` index newest first and stop at the page's end, which is
quick because matches are dense.

The index objects are created by migration ``0003_i12_archive_search``; ``is_index_table``
tells the schema comparison to leave FTS5's own tables alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, func, select, table, text

from portal import unprepared
from portal.extensions import db
from portal.models import ArchivedDocument

FTS_TABLE = "archive_fts"
PG_TRGM_INDEX = "ix_archive_search_trgm"
COUNT_CAP = 200
MAX_WORDS = 8
MIN_INDEXED = 3  # trigram indexes match words of three characters or more


def is_index_table(name: str | None) -> bool:
    """True for the search index's own objects (not in the models; created by the migration)."""
    return bool(name) and (name == PG_TRGM_INDEX or name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))


def include_in_schema_compare(name, type_, parent_names) -> bool:
    """Alembic ``include_name`` hook: compare everything but the search index's own objects."""
    return not is_index_table(name)


def words_of(q: str) -> list[str]:
    """The search words as users typed them, lower-cased, at most ``MAX_WORDS``."""
    return (q or "").lower().split()[:MAX_WORDS]


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _like_conditions(words: list[str]) -> list:
    return [ArchivedDocument.search_text.contains(w, autoescape=True) for w in words]


def text_matches(q: str):
    """``SELECT id`` of the documents whose search text holds every word of ``q``, on the text index.

    SQLite: the FTS5 trigram table answers words of three characters or more; shorter words
    are checked with ``LIKE`` on its rows. PostgreSQL: ``LIKE`` served by the pg_trgm GIN index.
    """
    words = words_of(q)
    indexed = [w for w in words if len(w) >= MIN_INDEXED]
    if indexed and db.engine.dialect.name == "sqlite":
        fts = table(FTS_TABLE, column("rowid"))
        match = " AND ".join(_fts_phrase(w) for w in indexed)
        # "+rowid" keeps the planner from probing the FTS table once per document row (a
        # filter's index would otherwise drive the join): the text index always leads.
        return (select(ArchivedDocument.id).select_from(fts)
                .join(ArchivedDocument, text(f"archived_document.id = +{FTS_TABLE}.rowid"))
                .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=match),
                       *_like_conditions([w for w in words if len(w) < MIN_INDEXED])))
    return select(ArchivedDocument.id).where(*_like_conditions(words))


def _capped_count(ids) -> int:
    return db.session.scalar(select(func.count()).select_from(ids.limit(COUNT_CAP + 1).subquery()),
                             execution_options=unprepared.options())


@dataclass
class SearchPage:
    """One page of results, shaped like Flask-SQLAlchemy's Pagination for the pager macro.

    ``total`` stops at ``COUNT_CAP``; ``capped`` says that there are more, and then ``pages`` is
    None (not counted) and a next page is offered while pages come back full.
    """

    items: list
    total: int
    capped: bool
    page: int
    per_page: int

    @property
    def pages(self) -> int | None:
        return None if self.capped else max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return len(self.items) == self.per_page if self.capped else self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def search(q: str, filters: list, page: int, per_page: int) -> SearchPage:
    """One page of archived documents matching ``q`` and ``filters``, newest first.

    Few text matches: their ids are taken from the text index once (a materialised CTE) and
    the filters and the order apply to just those. Many: the count streams the text index
    with the filters until the cap, and the page walks the rows in ``archived_at`` order (per
    tahun when filtered by it), which fills quickly because matches are dense.
    """
    words = words_of(q)
    newest = (ArchivedDocument.archived_at.desc(), ArchivedDocument.id.desc())
    text_total = _capped_count(text_matches(q)) if words else None
    if text_total is not None and text_total <= COUNT_CAP:
        found = text_matches(q).cte("text_matches").prefix_with("MATERIALIZED")
        query = select(ArchivedDocument).join(found, found.c.id == ArchivedDocument.id).where(*filters)
        total = _capped_count(query.with_only_columns(ArchivedDocument.id)) if filters else text_total
    else:
        query = select(ArchivedDocument).where(*_like_conditions(words), *filters)
        if words and not filters:
            total = text_total
        elif words:
            total = _capped_count(text_matches(q).where(*filters))
        else:
            total = _capped_count(query.with_only_columns(ArchivedDocument.id))
    page = max(page, 1)
    items = db.session.scalars(query.order_by(*newest).limit(per_page).offset((page - 1) * per_page),
                               execution_options=unprepared.options())  # planned for these words, each time
    return SearchPage(list(items), min(total, COUNT_CAP), total > COUNT_CAP, page, per_page)
