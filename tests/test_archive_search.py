"""Archive search on its text index (SQLite FTS5 trigram, PostgreSQL pg_trgm), through the web.

Rows are written straight into ``archived_document`` so that the index has to follow them
(triggers on SQLite, the GIN index on PostgreSQL), then searched as users type.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text, update

from portal import archive_search
from portal.extensions import db
from portal.models import ArchivedDocument, utcnow
from tests.helpers import start_pk


def add_documents(run_id: int, texts: list[str], tahun: int = 2026) -> None:
    """Archived documents of ``run_id`` with the given search texts, newest last."""
    now = utcnow()
    db.session.execute(insert(ArchivedDocument), [
        {"run_id": run_id, "kind": "dokumen", "sop_id": "pk_jabar", "sop_nama": "Perjanjian Kinerja",
         "nomor_sop": "62/46/SEKRT/2023", "tahun": tahun, "unit_nama": "", "judul": t[:300],
         "filename": f"dok-{i}.pdf", "mime": "application/pdf", "size": 10, "sha256": "0" * 64,
         "search_text": t, "archived_at": now + timedelta(seconds=i)}
        for i, t in enumerate(texts)])
    db.session.commit()


def listed(client, query: str) -> str:
    return client.get(f"/arsip?{query}").get_data(as_text=True)


def test_parts_of_words_match_in_any_order_and_case(app, demo, client, auth):
    run = start_pk(app, demo)
    add_documents(run.id, ["pk bidang pelayanan perizinan 2026 sekretariat", "renja sekretariat perubahan 2027",
                           "iku bidang pengendalian 2026"])
    auth.login("admin")
    assert ">2 dokumen" in listed(client, "q=SEKRET")
    assert ">1 dokumen" in listed(client, "q=layan+2026")
    assert ">1 dokumen" in listed(client, "q=perubahan+sekretariat")
    assert ">0 dokumen" in listed(client, "q=perubahan+pengendalian")
    page = listed(client, "q=ubah")
    assert ">1 dokumen" in page and "renja sekretariat perubahan 2027" in page


def test_short_words_and_search_syntax_are_plain_text(app, demo, client, auth):
    run = start_pk(app, demo)
    add_documents(run.id, ['pk "final" 62/46/sekrt/2023 a-b', "ik 100% or not", "iku 2026"])
    auth.login("admin")
    assert ">1 dokumen" in listed(client, "q=ik+100%25")       # 'ik' is shorter than a trigram
    assert ">1 dokumen" in listed(client, "q=%22final%22")     # quotes are text, not FTS syntax
    assert ">1 dokumen" in listed(client, "q=62%2F46")
    assert ">1 dokumen" in listed(client, "q=a-b")
    assert ">0 dokumen" in listed(client, "q=OR+NEAR")          # operators are words, not syntax
    assert ">1 dokumen" in listed(client, "q=or+not")


def test_index_follows_inserts_updates_and_deletes(app, demo):
    run = start_pk(app, demo)
    add_documents(run.id, ["laporan kinerja tahunan"])
    doc_id = db.session.scalar(select(ArchivedDocument.id))
    assert [d.id for d in archive_search.search("tahunan", [], 1, 20).items] == [doc_id]
    db.session.execute(update(ArchivedDocument).where(ArchivedDocument.id == doc_id)
                       .values(search_text="rencana strategis"))
    db.session.commit()
    assert archive_search.search("tahunan", [], 1, 20).items == []
    assert [d.id for d in archive_search.search("strat", [], 1, 20).items] == [doc_id]
    db.session.execute(ArchivedDocument.__table__.delete())
    db.session.commit()
    assert archive_search.search("strat", [], 1, 20).items == []


def test_the_search_uses_the_text_index(app, demo):
    if db.engine.dialect.name == "sqlite":
        run = start_pk(app, demo)
        add_documents(run.id, ["satu dokumen", "dua dokumen"])
        indexed = db.session.scalar(text("SELECT count(*) FROM archive_fts WHERE archive_fts MATCH '\"dokumen\"'"))
        assert indexed == 2
        plan = " ".join(str(r) for r in db.session.execute(text(
            "EXPLAIN QUERY PLAN SELECT rowid FROM archive_fts WHERE archive_fts MATCH 'dokumen'")))
        assert "VIRTUAL TABLE INDEX" in plan
    else:
        definition = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                                       {"n": archive_search.PG_TRGM_INDEX})
        assert definition and "gin_trgm_ops" in definition
        # no pending list: new documents go straight into the index, so no search reads an unsorted
        # list of recent entries (65 ms instead of 0.7 after a bulk archive, until a VACUUM)
        options = db.session.scalar(text("SELECT reloptions FROM pg_class WHERE relname = :n"),
                                    {"n": archive_search.PG_TRGM_INDEX})
        assert options and "fastupdate=off" in options


def test_broad_search_caps_the_count_and_still_pages_newest_first(app, demo, client, auth):
    app.config["ARCHIVE_PAGE_SIZE"] = 10
    run = start_pk(app, demo)
    add_documents(run.id, [f"perjanjian kinerja nomor {i}" for i in range(archive_search.COUNT_CAP + 5)]
                  + ["dokumen lain"])
    auth.login("admin")
    page = listed(client, "q=kinerja")
    assert f">Lebih dari {archive_search.COUNT_CAP} dokumen" in page
    assert f"perjanjian kinerja nomor {archive_search.COUNT_CAP + 4}" in page  # the newest first
    assert "halaman=2" in page
    second = listed(client, "q=kinerja&halaman=2")
    assert f"perjanjian kinerja nomor {archive_search.COUNT_CAP - 6}" in second
    few = listed(client, "q=lain")
    assert ">1 dokumen" in few and "Lebih dari" not in few
    total = db.session.scalar(select(func.count(ArchivedDocument.id)))
    assert total == archive_search.COUNT_CAP + 6


def test_year_filter_lists_each_archived_year_once_newest_first(app, demo, client, auth):
    from portal.archive import archive_years

    run = start_pk(app, demo)
    assert archive_years() == []
    add_documents(run.id, ["pk 2023 a", "pk 2023 b"], tahun=2023)
    add_documents(run.id, ["pk 2026"], tahun=2026)
    add_documents(run.id, ["pk 2019 a", "pk 2019 b", "pk 2019 c"], tahun=2019)
    assert archive_years() == [2026, 2023, 2019]
    auth.login("admin")
    page = listed(client, "q=pk")
    options = [y for y in (2026, 2023, 2019) if f'<option value="{y}"' in page]
    assert options == [2026, 2023, 2019]
    assert page.index('<option value="2026"') < page.index('<option value="2023"') < page.index('<option value="2019"')


@pytest.mark.parametrize("backend", ["postgresql"])  # server-side prepared statements are PostgreSQL's
def test_searches_are_planned_for_their_words_every_time(app, backend, demo, client, auth):
    """psycopg prepares a statement after its fifth run and PostgreSQL may then keep one plan for
    every word; the archive search's statements are sent unprepared, so each is planned for its
    words (a plan kept for one word took 40-190 ms for another)."""
    run = start_pk(app, demo)
    add_documents(run.id, [f"perjanjian kinerja {n:04d}" for n in range(30)])
    auth.login("kadis")
    for number in range(8):
        page = listed(client, f"q=kinerja+{number:04d}&tahun=2026")
        assert f"perjanjian kinerja {number:04d}" in page
    prepared = [s for (s,) in db.session.execute(text("SELECT statement FROM pg_prepared_statements"))]
    assert any("FROM users" in s for s in prepared)  # the connection the requests used prepares others
    assert not [s for s in prepared if "search_text LIKE" in s], prepared
