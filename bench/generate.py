"""Bulk data generator: the demo organisation, extra users, and runs at every stage.

Runs are simulated in Python by ``bench.simulate`` (which mirrors ``portal.runner``) and
written with bulk ``INSERT``s in chunks: 20,000 runs take well under a few minutes.
Everything is seeded: run number ``i`` has the same content (definition, stage, people,
returns, files) at every size, only its place in time differs; so pages of the same
sample runs can be compared across sizes.
"""
from __future__ import annotations

import hashlib
import random
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import func, insert, select, text

from bench.org import add_extra_users, snapshot
from bench.simulate import CANCELLED, FANOUT, FINISHED, OPEN, RETURNED, Blob, Context, Plan, RunSim
from portal.extensions import db
from portal.models import (ArchivedDocument, Attachment, AuditEvent, Receipt, ReceiptCounter, Run, Task,
                           utcnow)

DEFAULT_SEED = 20261121
CHUNK = 5000
SAMPLE_WINDOW = 500  # "many events" sample is chosen among the first runs, identical at every size
TABLES_WITH_IDS = ("unit", "role", "users", "user_role", "run", "task", "attachment", "audit_event",
                   "archived_document", "receipt")


def categories(definition) -> list[Plan]:
    """Every stage a run of ``definition`` can be at; the first runs of each SOP cycle through them."""
    plans = [Plan(OPEN, s.no) for s in definition.steps]
    if any(s.fan_out for s in definition.steps):
        plans.append(Plan(FANOUT, next(s.no for s in definition.steps if s.fan_out)))
    if any(s.decision for s in definition.steps):
        plans.append(Plan(RETURNED))
    plans += [Plan(FINISHED), Plan(CANCELLED, definition.steps[len(definition.steps) // 2].no)]
    return plans


def plan_for(definition, j: int, rng: random.Random) -> Plan:
    """The stage of the ``j``-th run of ``definition``: cyclic first, then weighted at random."""
    cycle = categories(definition)
    if j < len(cycle):
        return cycle[j]
    roll = rng.random()
    if roll < 0.35:
        return Plan(FINISHED)
    if roll < 0.40:
        return Plan(CANCELLED, rng.choice(definition.steps).no)
    if roll < 0.48 and any(s.decision for s in definition.steps):
        return Plan(RETURNED)
    return Plan(OPEN, rng.choice(definition.steps).no)


def make_blobs(store, rng: random.Random) -> tuple[dict[str, list[Blob]], Blob]:
    """Write a few real files into the file store for the generated rows to point at."""
    blobs: dict[str, list[Blob]] = defaultdict(list)
    for ext in ("pdf", "docx", "xlsx"):
        for n in range(4):
            body = rng.randbytes(rng.randint(20_000, 300_000))
            head = b"%PDF-1.4\n%bench\n" if ext == "pdf" else b"PK\x03\x04"
            blobs[ext].append(_write_blob(store, head + body + f"\n{ext}{n}".encode()))
    receipt = _write_blob(store, b"%PDF-1.4\n%tanda terima bench\n" + rng.randbytes(60_000) + b"\n%%EOF")
    return blobs, receipt


def _write_blob(store, data: bytes) -> Blob:
    sha = hashlib.sha256(data).hexdigest()
    path = store.path_for(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)
    return Blob(sha, len(data))


def simulate_runs(ctx: Context, definitions: list, count: int, seed: int, now: datetime) -> list[RunSim]:
    """Simulate ``count`` runs; run ``i`` depends only on ``seed`` and ``i``."""
    pinned = {d.id: d.to_dict() for d in definitions}
    base = datetime(2025, 1, 6, 1, 0, tzinfo=timezone.utc)  # a Monday, 08:00 WIB
    sims = []
    for i in range(count):
        rng = random.Random(seed * 1_000_003 + i)
        definition = definitions[i % len(definitions)]
        plan = plan_for(definition, i // len(definitions), rng)
        sim = RunSim(ctx, definition, pinned[definition.id], rng, i)
        start = ctx.calendar.next_working_moment(base + timedelta(days=rng.randint(0, 4), minutes=rng.randint(0, 480)))
        sim.start(start)
        sim.drive(plan)
        sim.plan = plan
        if plan.category in (FINISHED, CANCELLED):
            end = now - timedelta(days=rng.uniform(1, 1000))
        else:
            end = now - timedelta(days=rng.uniform(0, 20), minutes=rng.uniform(0, 600))
        sim.shift_to_end(end)
        sim.settle()
        sims.append(sim)
    return sims


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _assign_ids(records: list[dict], time_key: str, model) -> None:
    records.sort(key=lambda r: (r[time_key], r["_seq"]))
    first = _next_id(model)
    for n, record in enumerate(records):
        record["id"] = first + n


def login_events(ctx: Context, count: int, rng: random.Random, now: datetime) -> list[dict]:
    """Logins of the organisation over three years (the audit trail is not only about runs)."""
    users = sorted(ctx.org.users)
    events = []
    for _ in range(count):
        uid = rng.choice(users)
        events.append({"action": "masuk", "at": now - timedelta(days=rng.uniform(0, 1095)), "user_id": uid,
                       "user_nama": ctx.org.users[uid]["nama"], "_run": None, "_task": None, "step_no": None,
                       "detail": "", "ip": f"10.32.{rng.randint(1, 40)}.{rng.randint(2, 250)}",
                       "_seq": ctx.next_seq()})
    return events


def finalize(sims: list[RunSim], extra_events: list[dict], ctx: Context) -> dict[str, list[dict]]:
    """Sort every table by time, assign ids, resolve references, numbers and file names."""
    tables = {"run": [s.run for s in sims], "task": [], "attachment": [], "receipt": [], "archived": [],
              "event": list(extra_events)}
    for sim in sims:
        tables["task"] += sim.tasks
        tables["attachment"] += sim.attachments
        tables["receipt"] += sim.receipts
        tables["archived"] += sim.archived
        tables["event"] += sim.events
    _assign_ids(tables["run"], "started_at", Run)
    _assign_ids(tables["task"], "created_at", Task)
    _assign_ids(tables["attachment"], "uploaded_at", Attachment)
    _assign_ids(tables["receipt"], "issued_at", Receipt)
    _assign_ids(tables["archived"], "archived_at", ArchivedDocument)
    _assign_ids(tables["event"], "at", AuditEvent)
    for record in tables["task"] + tables["attachment"] + tables["receipt"] + tables["archived"]:
        record["run_id"] = record["_run"]["id"]
    for item in tables["attachment"] + tables["receipt"]:
        item["task_id"] = item["_task"]["id"]
    counters: dict[int, int] = {}
    for receipt in tables["receipt"]:
        year = ctx.calendar.to_local(receipt["issued_at"]).year
        counters[year] = counters.get(year, 0) + 1
        receipt.update(year=year, seq=counters[year], number=f"TT/{year}/{counters[year]:05d}")
    tables["counter"] = [{"year": y, "last": n} for y, n in sorted(counters.items())]
    for event in tables["event"]:
        event["run_id"] = event["_run"]["id"] if event["_run"] else None
        event["task_id"] = event["_task"]["id"] if event["_task"] else None
        receipt = event.get("_receipt")
        if receipt:
            event["detail"] = (f"{receipt['number']}: {receipt['giver']['nama']} kepada {receipt['receiver']['nama']}, "
                               f"{len(receipt['documents'])} dokumen")
    for doc in tables["archived"]:
        if doc["_receipt"] is not None:
            doc["filename"] = f"tanda-terima-{doc['_receipt']['number'].replace('/', '-')}.pdf"
        doc["search_text"] = " ".join([doc["judul"], doc["sop_nama"], doc["nomor_sop"], doc["unit_nama"],
                                       doc["filename"]]).lower()
    return tables


def bulk_insert(model, records: list[dict]) -> None:
    """INSERT ``records`` in chunks; rows are grouped by their set of columns.

    A column missing from a record gets SQL NULL, as when the runner never set it
    (e.g. ``form_data`` of a task nobody completed).
    """
    columns = [c.key for c in model.__table__.columns]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for record in records:
        row = {c: record[c] for c in columns if c in record}
        groups[tuple(row)].append(row)
    for rows in groups.values():
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(model), rows[start:start + CHUNK])


def _after_load() -> None:
    """PostgreSQL: move the id sequences past the explicit ids, and ANALYZE (as autovacuum would)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in TABLES_WITH_IDS:
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table}\"), false)"))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def generate(app: Flask, runs: int, *, seed: int = DEFAULT_SEED, extra_users: int = 200,
             now: datetime | None = None, log=print) -> dict:
    """Load the demo organisation, ``extra_users`` users and ``runs`` runs; return a summary.

    The summary has the row counts, timings, the category of every run (``categories``)
    and ``samples``: run ids of one run per stage and definition plus the finished run
    with the most events, the same runs at every size.
    """
    from portal.demo import load_demo

    now = now or utcnow()
    started = time.perf_counter()
    with app.test_request_context():
        load_demo(with_runs=False)
        rng = random.Random(seed)
        add_extra_users(extra_users, rng, now)
        db.session.commit()
        definitions = sorted(app.extensions["portal_plugins"].definitions.values(), key=lambda d: d.id)
        if not definitions:
            raise RuntimeError("Tidak ada definisi SOP yang dimuat: tidak ada yang bisa dijalankan.")
        blobs, receipt_blob = make_blobs(app.extensions["file_store"], rng)
        ctx = Context(snapshot(), app.extensions["worktime"], blobs, receipt_blob, None)
        sims = simulate_runs(ctx, definitions, runs, seed, now)
        simulated = time.perf_counter()
        log(f"  simulated {runs:,} runs in {simulated - started:.1f} s")
        tables = finalize(sims, login_events(ctx, runs // 2, rng, now), ctx)
        for model, key in ((Run, "run"), (Task, "task"), (Attachment, "attachment"), (Receipt, "receipt"),
                           (ReceiptCounter, "counter"), (ArchivedDocument, "archived"), (AuditEvent, "event")):
            bulk_insert(model, tables[key])
        db.session.commit()
        _after_load()
        inserted = time.perf_counter()
        log(f"  inserted in {inserted - simulated:.1f} s")
        summary = _summary(sims, tables, definitions)
    summary.update(seconds_simulate=round(simulated - started, 2), seconds_insert=round(inserted - simulated, 2),
                   seconds_total=round(inserted - started, 2), extra_users=extra_users, seed=seed)
    return summary


def top_up_archive(app: Flask, target: int, log=print) -> int:
    """Copy archived documents (older by a day per pass) until the archive holds ``target``.

    Runs produce about 0.8 archived documents each; this reaches a large archive (for the
    search measurements) without generating every run behind it. Returns how many were added.
    """
    with app.app_context():
        have = db.session.scalar(select(func.count(ArchivedDocument.id))) or 0
        if have >= target or have == 0:
            return 0
        columns = [c for c in ArchivedDocument.__table__.columns if c.key != "id"]
        originals = [dict(row._mapping) for row in db.session.execute(select(*columns))]
        added, shift = 0, 0
        while have + added < target:
            shift += 1
            batch = []
            for row in originals[:target - have - added]:
                batch.append({**row, "archived_at": row["archived_at"] - timedelta(days=shift)})
            for start in range(0, len(batch), CHUNK):
                db.session.execute(insert(ArchivedDocument), batch[start:start + CHUNK])
            added += len(batch)
        db.session.commit()
        _after_load()
    log(f"  archive topped up with {added:,} copies to {target:,} documents")
    return added


def _summary(sims: list[RunSim], tables: dict, definitions: list) -> dict:
    counts = {key: len(rows) for key, rows in tables.items() if key != "counter"}
    cycled = sum(len(categories(d)) for d in definitions)
    samples = [{"run_id": s.run["id"], "sop_id": s.d.id, "stage": _label(s.plan), "events": len(s.events)}
               for s in sims[:cycled]]
    # the PK runs: the bench user (a planner) works in every one of them, so it may open them
    finished = [s for s in sims[:SAMPLE_WINDOW] if s.run["status"] == "selesai" and s.d.id == "pk_jabar"]
    busiest = max(finished, key=lambda s: (len(s.events), -s.index), default=None)
    return {
        "counts": counts,
        "categories": dict(Counter(_label(s.plan) for s in sims)),
        "samples": samples,
        "many_events": ({"run_id": busiest.run["id"], "events": len(busiest.events), "tasks": len(busiest.tasks)}
                        if busiest else None),
    }


def _label(plan: Plan) -> str:
    return f"{plan.category}@{plan.step_no}" if plan.category in (OPEN, CANCELLED) else plan.category
