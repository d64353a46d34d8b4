"""Smoke test of the benchmark (``make bench``): tiny data on SQLite, no timing assertions.

Checks that the generator puts runs of every loaded SOP at every stage, that its rows
look like what the real runner writes (and that the runner can carry them on), and that
the measurement returns sane numbers.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # ``bench`` is not an installed package

from bench.backends import bench_database, dispose, make_app  # noqa: E402
from bench.generate import generate  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import ArchivedDocument, Attachment, AuditEvent, Receipt, Run, User  # noqa: E402

RUNS = 30


def runs_for(app) -> int:
    """Enough runs that each loaded SOP cycles through every stage (runs go round-robin over the SOPs)."""
    definitions = app.extensions["portal_plugins"].definitions.values()
    return max(RUNS, len(definitions) * max(len(d.steps) + 4 for d in definitions))


@pytest.fixture(scope="module")
def bench_app(tmp_path_factory):
    """A migrated SQLite app with ``runs_for(app)`` generated runs, and the generator's summary."""
    workdir = tmp_path_factory.mktemp("bench")
    with bench_database("sqlite", workdir) as url:
        app = make_app(url, workdir)
        summary = generate(app, runs_for(app), log=lambda *args: None)
        yield app, summary
        dispose(app)


@pytest.fixture(scope="module")
def fresh_bench_app(tmp_path_factory):
    """Like ``bench_app``, for the tests that change the data (each only adds to it)."""
    workdir = tmp_path_factory.mktemp("bench-changed")
    with bench_database("sqlite", workdir) as url:
        app = make_app(url, workdir)
        generate(app, runs_for(app), log=lambda *args: None)
        yield app
        dispose(app)


def test_every_definition_has_runs_at_every_stage(bench_app):
    app, summary = bench_app
    assert summary["counts"]["run"] == runs_for(app)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) > 200
        for definition in app.extensions["portal_plugins"].definitions.values():
            runs = list(db.session.scalars(select(Run).where(Run.sop_id == definition.id)))
            running = [r for r in runs if r.status == "berjalan"]
            assert {r.current_step_no for r in running} >= {s.no for s in definition.steps}, definition.id
            pinned = json.loads(json.dumps(definition.to_dict()))  # as stored: tuples become lists
            assert all(r.definition == pinned for r in runs)
            fan_out = [s.no for s in definition.steps if s.fan_out]
            if fan_out:
                statuses = [{t.status for t in r.tasks if t.step_no == fan_out[0] and t.attempt == max(
                    x.attempt for x in r.tasks if x.step_no == fan_out[0])} for r in running if r.current_step_no == fan_out[0]]
                assert {"selesai", "terbuka"} in statuses, "a fan-out step partly done"
            if any(s.decision for s in definition.steps):
                assert any(r.return_count for r in running), "a returned run"
            finished = [r for r in runs if r.status == "selesai"]
            assert finished and all(r.finished_at and r.current_step_no is None for r in finished)
            for run in finished:
                assert db.session.scalar(select(func.count(ArchivedDocument.id)).where(ArchivedDocument.run_id == run.id))
                if any(s.handover for s in definition.steps):
                    assert db.session.scalar(select(func.count(Receipt.id)).where(Receipt.run_id == run.id))
            cancelled = [r for r in runs if r.status == "dibatalkan"]
            assert cancelled and all(t.status != "terbuka" for r in cancelled for t in r.tasks)
        assert db.session.scalar(select(func.count(Attachment.id))) > 0
        mulai = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "mulai"))
        assert mulai == runs_for(app)


def test_generated_rows_look_like_the_runners(fresh_bench_app):
    """A run started and advanced by the real runner has the same columns filled as a generated one."""
    from portal import runner

    app = fresh_bench_app
    with app.test_request_context():
        definition = app.extensions["portal_plugins"].definition("pk_jabar")
        if definition is None:
            pytest.skip("the PK plugin is not loaded")
        kadis = db.session.scalar(select(User).where(User.username == "kadis"))
        real = runner.start_run(definition, kadis, judul="PK uji", tahun=2026, unit_id=kadis.unit_id)
        db.session.flush()
        first = real.tasks[0]
        runner.complete_task(first.id, kadis, expected_version=first.version, action="selesai")
        db.session.commit()
        generated = db.session.scalar(select(Run).where(Run.id != real.id, Run.status == "berjalan",
                                                        Run.current_step_no == 2, Run.return_count == 0))

        def filled(obj) -> set[str]:
            return {c.key for c in obj.__table__.columns if getattr(obj, c.key) is not None}

        assert filled(generated) == filled(real)
        for step_no in (1, 2):
            mine = next(t for t in generated.tasks if t.step_no == step_no)
            theirs = next(t for t in real.tasks if t.step_no == step_no)
            assert filled(mine) - {"assignee_id", "taken_at"} == filled(theirs), step_no
        actions = lambda run: [e.action for e in db.session.scalars(  # noqa: E731
            select(AuditEvent).where(AuditEvent.run_id == run.id).order_by(AuditEvent.id))]
        assert [a for a in actions(generated) if a not in ("ambil", "unggah")] == actions(real)


def test_the_runner_carries_generated_runs_on(fresh_bench_app):
    """Open generated tasks (fan-out, returned, decisions) complete through the real runner."""
    from portal import runner
    from portal.demo_runs import actor_for

    app = fresh_bench_app
    with app.test_request_context():
        completed = 0
        for run in db.session.scalars(select(Run).where(Run.status == "berjalan").order_by(Run.id)):
            task = next(t for t in run.tasks if t.status == "terbuka")
            step = task.step
            if step.handover:
                continue  # issues a receipt PDF: not what this test is about
            action = "setuju" if step.decision else "selesai"
            runner.complete_task(task.id, actor_for(task), expected_version=task.version, action=action)
            db.session.commit()
            completed += 1
        assert completed >= 5


def test_measurement_returns_sane_numbers(bench_app):
    from bench.measure import measure

    app, summary = bench_app
    results = measure(app, summary, requests=3, warmup=1, with_explain=True, log=lambda *args: None)
    expected = {"inbox", "run_page", "run_page_busy", "archive_q", "archive_q_tahun", "complete"}
    assert expected <= set(results)
    for key, result in results.items():
        if key.startswith("_"):
            continue
        for field in ("label", "n", "p50_ms", "p95_ms", "queries", "queries_min", "queries_max", "top_sql", "errors"):
            assert field in result, (key, field)
        assert result["errors"] == [], (key, result["errors"])
        assert result["n"] > 0, key
        assert result["queries"] > 0 and result["p50_ms"] > 0 and result["p95_ms"] >= result["p50_ms"], key
    assert any(result.get("explain") for key, result in results.items() if not key.startswith("_"))


def test_simulation_writes_what_the_runner_writes(fresh_bench_app):
    """Audit texts, due times and upload texts of generated runs equal what the app writes for the
    same step (the simulator calls the runner's own functions, so it cannot drift)."""
    from portal import runner
    from portal.formatting import format_size
    from portal.models import Task

    app = fresh_bench_app
    with app.test_request_context():
        definition = app.extensions["portal_plugins"].definition("pk_jabar")
        if definition is None:
            pytest.skip("the PK plugin is not loaded")
        kadis = db.session.scalar(select(User).where(User.username == "kadis"))
        real = runner.start_run(definition, kadis, judul="PK uji teks", tahun=2026, unit_id=kadis.unit_id)
        db.session.flush()
        first = real.tasks[0]
        runner.complete_task(first.id, kadis, expected_version=first.version, action="selesai")
        db.session.commit()
        calendar = app.extensions["worktime"]

        def completion(run, step_no):
            return db.session.scalar(select(AuditEvent).join(Task, AuditEvent.task_id == Task.id).where(
                AuditEvent.run_id == run.id, Task.step_no == step_no, AuditEvent.action == "selesai"))

        generated = list(db.session.scalars(select(Run).where(Run.id != real.id, Run.sop_id == "pk_jabar")))
        checked = 0
        for run in generated:
            event = completion(run, 1)
            if event is None or db.session.get(Task, event.task_id).catatan:
                continue
            assert event.detail == completion(real, 1).detail
            checked += 1
        assert checked, "no generated run completed step 1 without a note"
        for task in db.session.scalars(select(Task).where(Task.run_id.in_([r.id for r in generated]))):
            step = task.step
            assert task.due_at == calendar.add(task.created_at, step.waktu.value, step.waktu.unit), task.id
        uploads = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unggah")))
        assert uploads
        for event in uploads:
            prefix = event.detail.rsplit("sha256 ", 1)[1][:12]
            attachment = db.session.scalars(select(Attachment).where(
                Attachment.task_id == event.task_id, Attachment.filename == event.detail.split(" (")[0],
                Attachment.sha256.startswith(prefix))).first()
            assert attachment is not None
            assert event.detail == f"{attachment.filename} ({format_size(attachment.size)}, sha256 {attachment.sha256[:12]}…)"


def test_a_whole_run_prints_each_table_with_the_machine_speed(tmp_path, capsys):
    """``python -m bench.run`` end to end at a tiny size: the table, the ceiling page's CPU time
    measured beside it (the machine's speed of the moment), the verdicts and the JSON."""
    from bench import run

    out = tmp_path / "results.json"
    assert run.main(["--sizes", "40", "--backends", "sqlite", "--requests", "2", "--warmup", "1",
                     "--no-explain", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    reference = json.loads(out.read_text())["backends"]["sqlite"]["sizes"]["40"]["results"]["_meta"]["reference_cpu_ms"]
    assert len(reference) == 2 and all(ms > 0 for ms in reference)
    assert f"ceiling page (bench/ceiling_app.py) took {reference[0]:.3f} / {reference[1]:.3f} ms CPU" in printed
    assert "=== SQLite · 40 runs ===" in printed and "=== VERDICTS ===" in printed
