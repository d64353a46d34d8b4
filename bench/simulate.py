"""Simulates runs in plain Python, recording exactly what ``portal.runner`` would write.

Each method mirrors a runner function (``start_run``, ``_activate``, ``take_task``,
``complete_task``/``_advance``, ``issue_receipt``, ``archive_run``, ``cancel_run``) and the
upload view, producing dicts with the models' columns. What happens next is decided by the
runner's own pure functions, so the simulation cannot drift from it: the actions a step offers
(``runner.allowed_actions``), the audit text of a completion (``runner._describe``), the next
step (``SopDefinition.next_step``), due times (the app's ``WorkCalendar.add``) and file sizes
(``formatting.format_size``). References between records are kept as objects (``_run``,
``_task``, ...); ``bench.generate`` turns them into ids after sorting every table by time, so
ids grow with time as they do in production.

``python -m bench.simulate`` measures the throughput of step transitions (no database writes,
no HTTP): see ``main``.
"""
from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from portal.formatting import format_size
from portal.runner import _describe as describe_completion  # the runner's audit text of a completion
from portal.runner import allowed_actions
from portal.sop import snapshot_sha

OPEN, FANOUT, RETURNED, FINISHED, CANCELLED = "open", "fanout_partial", "returned", "finished", "cancelled"
RETURN_REASONS = [
    "Target IKM perlu disesuaikan dengan Renstra.", "Indikator belum selaras dengan cascading.",
    "Lampiran anggaran belum lengkap.", "Mohon perbaiki satuan target.", "Format belum sesuai Permenpan RB 53/2014.",
]
CANCEL_REASONS = ["Diganti pelaksanaan baru.", "Salah memilih SOP.", "Kegiatan dibatalkan pimpinan.", "Duplikat."]
DOC_EXTENSIONS = ["pdf", "pdf", "pdf", "docx", "xlsx"]


@dataclass
class Plan:
    """Where a run should stop: its category and, for open/cancelled runs, the step."""

    category: str
    step_no: int | None = None


@dataclass
class Blob:
    """A file really present in the file store, shared by many generated records."""

    sha256: str
    size: int


class Context:
    """Shared, read-only inputs of every simulation."""

    def __init__(self, org, calendar, blobs: dict[str, list[Blob]], receipt_blob: Blob, tz):
        self.org, self.calendar, self.blobs, self.receipt_blob, self.tz = org, calendar, blobs, receipt_blob, tz
        self.seq = 0
        self.transitions = {"activated": 0, "completed": 0}

    def next_seq(self) -> int:
        """A global creation counter: ties in time keep creation order."""
        self.seq += 1
        return self.seq


def _slug(text: str) -> str:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    return "-".join(words[:8]) or "dokumen"


def waktu_minutes(step, calendar) -> int:
    """The step's standard time in working minutes."""
    factor = {"menit": 1, "jam": 60, "hari": calendar.minutes_per_day}[step.waktu.unit]
    return step.waktu.value * factor


class RunSim:
    """One run of ``definition`` driven to ``plan`` from ``start`` (times shifted later)."""

    def __init__(self, ctx: Context, definition, pinned: dict, rng: random.Random, index: int):
        self.ctx, self.d, self.rng, self.index = ctx, definition, rng, index
        self.steps = {s.no: s for s in definition.steps}
        self.tasks: list[dict] = []
        self.events: list[dict] = []
        self.attachments: list[dict] = []
        self.receipts: list[dict] = []
        self.archived: list[dict] = []
        self.pinned = pinned
        self.pinned_sha = snapshot_sha(pinned)

    # -- helpers -------------------------------------------------------------------------
    def _user(self, uid: int) -> dict:
        return self.ctx.org.users[uid]

    def _at(self, start: datetime, minutes: float) -> datetime:
        return self.ctx.calendar.add(start, max(int(minutes), 0), "menit")

    def _event(self, action: str, at: datetime, user_id: int | None, *, task: dict | None = None,
               detail: str = "") -> dict:
        event = {"action": action, "at": at, "user_id": user_id,
                 "user_nama": self._user(user_id)["nama"] if user_id else "", "_run": self.run, "_task": task,
                 "step_no": task["step_no"] if task else None, "detail": detail[:2000],
                 "ip": f"10.32.{self.rng.randint(1, 40)}.{self.rng.randint(2, 250)}", "_seq": self.ctx.next_seq()}
        self.events.append(event)
        return event

    # -- runner.start_run / _activate ---------------------------------------------------------
    def start(self, start: datetime) -> None:
        """``start_run``: the run row, the "mulai" event and the first step's task(s)."""
        rng, org, d = self.rng, self.ctx.org, self.d
        internal = org.internal_units
        unit_id = org.main_unit_id if rng.random() < 0.5 else rng.choice(internal)
        units = list(internal) if rng.random() < 0.8 or len(internal) < 3 else sorted(
            rng.sample(internal, k=rng.randint(2, len(internal) - 1)))
        tahun = self.ctx.calendar.to_local(start).year + rng.choice([0, 1])  # fixed after the time shift
        suffix = rng.choice(["", "", " (Perubahan)", " Jabatan Fungsional", " Kepala Dinas dan Pejabat Struktural",
                             f" revisi {rng.randint(1, 3)}"])
        starter = rng.choice(org.holders(d.steps[0].actor, None))
        self.run = {
            "sop_id": d.id, "sop_kode": d.kode, "sop_versi": d.versi, "sop_nomor": d.nomor, "sop_nama": d.nama,
            "definition": self.pinned, "definition_sha": self.pinned_sha, "_judul_parts": (d.kode.upper(), org.units[unit_id]["nama"], suffix),
            "_tahun_offset": tahun - self.ctx.calendar.to_local(start).year, "unit_id": unit_id,
            "status": "berjalan", "current_step_no": None, "return_count": 0, "fan_out_units": {"units": units},
            "started_by_id": starter, "started_at": start, "finished_at": None, "cancel_reason": None,
            "_seq": self.ctx.next_seq(), "_index": self.index,
        }
        self.mulai = self._event("mulai", start, starter)  # detail names the judul: see settle()
        self.now = start
        self.activate(d.steps[0], start)

    def activate(self, step, now: datetime) -> list[dict]:
        """``_activate``: one task per fan-out unit, or one for the (per-unit) role."""
        attempt = 1 + max((t["attempt"] for t in self.tasks if t["step_no"] == step.no), default=0)
        if step.fan_out:
            units = self.run["fan_out_units"]["units"] or self.ctx.org.internal_units
        elif step.actor in self.ctx.org.per_unit:
            units = [self.run["unit_id"]]
        else:
            units = [None]
        new = [{"_run": self.run, "step_no": step.no, "attempt": attempt, "role_key": step.actor, "unit_id": u,
                "status": "terbuka", "outcome": None, "assignee_id": None, "taken_at": None, "created_at": now,
                "completed_at": None, "completed_by_id": None, "catatan": "", "version": 1,
                "_waktu": (step.waktu.value, step.waktu.unit), "_seq": self.ctx.next_seq()} for u in units]
        self.tasks.extend(new)
        self.run["current_step_no"] = step.no
        self.ctx.transitions["activated"] += len(new)
        return new

    # -- take, upload, complete --------------------------------------------------------------
    def take(self, task: dict, user_id: int, at: datetime) -> None:
        """``take_task``: the assignee, one version more, an "ambil" event."""
        task.update(assignee_id=user_id, taken_at=at, version=task["version"] + 1)
        self._event("ambil", at, user_id, task=task, detail=f"Langkah {task['step_no']}")

    def upload(self, task: dict, user_id: int, at: datetime) -> dict:
        """The upload view: an attachment row and an "unggah" event."""
        step = self.steps[task["step_no"]]
        ext = self.rng.choice(DOC_EXTENSIONS)
        blob = self.rng.choice(self.ctx.blobs[ext])
        unit = self.ctx.org.units[task["unit_id"]]["kode"].replace("_", "-") if task["unit_id"] else ""
        name = _slug(step.output or step.kegiatan) + (f"-{unit}" if unit else "")
        if self.rng.random() < 0.3:
            name += f"-final-{self.rng.randint(1, 3)}"
        filename = f"{name[:180]}.{ext}"
        from portal.storage import mime_for_extension

        item = {"_run": self.run, "_task": task, "sha256": blob.sha256, "filename": filename,
                "mime": mime_for_extension(ext), "size": blob.size, "uploaded_by_id": user_id, "uploaded_at": at,
                "_seq": self.ctx.next_seq()}
        self.attachments.append(item)
        self._event("unggah", at, user_id, task=task,
                    detail=f"{filename} ({format_size(blob.size)}, sha256 {blob.sha256[:12]}…)")
        return item

    def form_data(self, step) -> dict | None:
        """What the step's declared form stores, generated from its schema; None without one."""
        from portal.forms.samples import sample_data

        spec = self.d.form(step.form)
        return sample_data(spec) if spec is not None else None

    def work_on(self, tasks: list[dict], action_for) -> None:
        """Complete ``tasks`` (one step's open tasks) in the order people finish them."""
        plans = []
        for task in tasks:
            step = self.steps[task["step_no"]]
            minutes = waktu_minutes(step, self.ctx.calendar)
            factor = self.rng.uniform(0.2, 1.0) if self.rng.random() < 0.7 else self.rng.uniform(1.2, 6.0)
            plans.append((self._at(task["created_at"], minutes * factor), task, minutes * factor))
        plans.sort(key=lambda p: (p[0], p[1]["_seq"]))
        for done_at, task, span in plans:
            step = self.steps[task["step_no"]]
            user = task["assignee_id"] or self.rng.choice(self.ctx.org.holders(task["role_key"], task["unit_id"]))
            if task["assignee_id"] is None and self.rng.random() < 0.2:
                self.take(task, user, self._at(task["created_at"], span * 0.1))
            action = action_for(step)
            if action != "kembali" and self.needs_files(step):
                for _ in range(self.rng.choice([1, 1, 2])):
                    self.upload(task, user, self._at(task["created_at"], span * self.rng.uniform(0.3, 0.9)))
            catatan = self.rng.choice(RETURN_REASONS) if action in ("kembali", "lewati") else ""
            self.complete(task, action, done_at, user, catatan)
            if self.run["status"] != "berjalan":
                return

    def needs_files(self, step) -> bool:
        """Steps whose output is a document people upload (drafts, fan-out inputs, hand-overs)."""
        return bool(step.form or step.fan_out or step.handover or step.no == self.d.steps[-1].no)

    def complete(self, task: dict, action: str, at: datetime, user_id: int, catatan: str = "") -> None:
        """``complete_task``: close the task, record the outcome, receipt, then ``_advance``."""
        step = self.steps[task["step_no"]]
        if action not in allowed_actions(SimpleNamespace(step=step, is_confirmation=False)):
            raise ValueError(f"langkah {step.no} tidak menawarkan {action!r}")
        outcome = "tolak" if action == "kembali" and step.reject_label == "Tolak" else action  # as complete_task
        task.update(status="selesai", outcome=outcome, completed_at=at, completed_by_id=user_id, catatan=catatan,
                    form_data=self.form_data(step) if action != "kembali" else None, version=task["version"] + 1)
        self.ctx.transitions["completed"] += 1
        self._event(outcome, at, user_id, task=task, detail=describe_completion(step, outcome, catatan))
        if step.handover and action != "kembali":
            self.issue_receipt(task, user_id, at)
        self.now = max(self.now, at)
        if step.fan_out and any(t["status"] == "terbuka" and t["step_no"] == step.no and t["attempt"] == task["attempt"]
                                for t in self.tasks):
            return
        if action == "kembali":
            self.run["return_count"] += 1
            self.activate(self.steps[step.decision], at)
            return
        following = self.d.next_step(step.no)
        if following is not None:
            self.activate(following, at)
            return
        self.run.update(status="selesai", finished_at=at, current_step_no=None)
        self.archive(at, user_id)

    def handed_over(self, task: dict) -> list[dict]:
        """``handed_over_documents``: the task's own files, else those of the latest upload's task."""
        own = [a for a in self.attachments if a["_task"] is task]
        if own or not self.attachments:
            return own
        latest = max(self.attachments, key=lambda a: (a["uploaded_at"], a["_seq"]))["_task"]
        return [a for a in self.attachments if a["_task"] is latest]

    def issue_receipt(self, task: dict, giver: int, at: datetime) -> None:
        """``issue_receipt``: a numbered receipt (numbered later, by time) and its event."""
        step = self.steps[task["step_no"]]
        receivers = self.ctx.org.holders(step.receiver, None) if step.receiver else sorted(self.ctx.org.users)
        receiver = self.rng.choice(receivers)
        documents = [{"filename": a["filename"], "sha256": a["sha256"], "size": a["size"]} for a in self.handed_over(task)]
        receipt = {"_run": self.run, "_task": task, "token": base64.urlsafe_b64encode(self.rng.randbytes(24)).decode(),
                   "giver": self._user(giver), "receiver": self._user(receiver), "documents": documents,
                   "issued_at": at, "pdf_sha256": self.ctx.receipt_blob.sha256, "_seq": self.ctx.next_seq()}
        self.receipts.append(receipt)
        event = self._event("tanda_terima", at, giver, task=task)
        event["_receipt"] = receipt

    def archive(self, at: datetime, user_id: int) -> None:
        """``archive_run``: the final documents and the receipts, then an "arsip" event."""
        if self.receipts:
            files = [(d["filename"], d["sha256"], d["size"], "dokumen", None) for d in self.receipts[-1]["documents"]]
        else:
            last = max(self.tasks, key=lambda t: t["_seq"])
            files = [(a["filename"], a["sha256"], a["size"], "dokumen", None) for a in self.handed_over(last)]
        files += [(None, r["pdf_sha256"], self.ctx.receipt_blob.size, "tanda_terima", r) for r in self.receipts]
        from portal.storage import mime_for_extension

        for filename, sha256, size, kind, receipt in files:
            self.archived.append({
                "_run": self.run, "kind": kind, "sop_id": self.d.id, "sop_nama": self.d.nama, "nomor_sop": self.d.nomor,
                "filename": filename, "_receipt": receipt, "size": size, "sha256": sha256,
                "mime": mime_for_extension((filename or "x.pdf").rsplit(".", 1)[-1]), "archived_at": at,
                "_seq": self.ctx.next_seq()})
        self._event("arsip", at, user_id, detail=f"{len(files)} dokumen diarsipkan")
        for _ in range(self.rng.choice([0, 0, 1, 2])):
            if self.archived:
                doc = self.rng.choice(self.archived)
                viewer = self.rng.choice(sorted(self.ctx.org.users))
                self._event("unduh", at + timedelta(days=self.rng.uniform(0.1, 30)), viewer,
                            detail=f"Arsip: {doc['filename'] or 'tanda terima'}")

    def cancel(self, at: datetime, reason: str) -> None:
        """``cancel_run``: open tasks cancelled (one version more), the run cancelled, an event."""
        for task in self.tasks:
            if task["status"] == "terbuka":
                task.update(status="dibatalkan", outcome="dibatalkan", version=task["version"] + 1)
        self.run.update(status="dibatalkan", cancel_reason=reason, finished_at=at)
        self._event("batalkan", at, self.ctx.org.admin_id, detail=reason)

    # -- driving to the plan -----------------------------------------------------------------
    def drive(self, plan: Plan) -> None:
        """Complete steps as people would until the run is where ``plan`` says."""
        rng = self.rng
        decisions = [s.no for s in self.d.steps if s.decision]
        returns_left = 2 if plan.category == FINISHED else (1 if plan.category == OPEN else 0)
        stop_at = plan.step_no
        if plan.category == RETURNED:
            stop_at = rng.choice(decisions)

        def action_for(step):
            nonlocal returns_left
            offered = allowed_actions(SimpleNamespace(step=step, is_confirmation=False))  # the runner's choice of actions
            if "lewati" in offered and rng.random() < 0.3:
                return "lewati"
            if "kembali" not in offered:
                return offered[0]
            if plan.category == RETURNED and step.no == stop_at and not self.run["return_count"]:
                return "kembali"
            if returns_left and rng.random() < 0.2:
                returns_left -= 1
                return "kembali"
            return "setuju"

        while self.run["status"] == "berjalan":
            open_tasks = [t for t in self.tasks if t["status"] == "terbuka"]
            current = self.run["current_step_no"]
            if stop_at is not None and current == stop_at and plan.category != RETURNED:
                break
            if plan.category == RETURNED and self.run["return_count"]:
                break
            self.work_on(open_tasks, action_for)
        open_tasks = [t for t in self.tasks if t["status"] == "terbuka"]
        if len(open_tasks) > 1 and plan.category in (OPEN, FANOUT, CANCELLED):
            low = 1 if plan.category == FANOUT else 0
            done = rng.randint(low, len(open_tasks) - 1)
            self.work_on(rng.sample(open_tasks, k=done), action_for)
        self.touch_open_tasks()
        if plan.category == CANCELLED:
            self.cancel(self._at(self.now, rng.uniform(30, 3000)), rng.choice(CANCEL_REASONS))

    def touch_open_tasks(self) -> None:
        """Some open tasks are already taken, some already have files uploaded."""
        for task in [t for t in self.tasks if t["status"] == "terbuka"]:
            step = self.steps[task["step_no"]]
            user = self.rng.choice(self.ctx.org.holders(task["role_key"], task["unit_id"]))
            if self.rng.random() < 0.1:
                self.take(task, user, self._at(task["created_at"], self.rng.uniform(5, 60)))
                self.now = max(self.now, task["taken_at"])
            if self.needs_files(step) and self.rng.random() < 0.25:
                at = self._at(task["created_at"], self.rng.uniform(10, 240))
                self.upload(task, task["assignee_id"] or user, at)
                self.now = max(self.now, at)

    def all_records(self):
        """Every (record, datetime column) pair of this run, for the time shift."""
        yield self.run, ("started_at", "finished_at")
        for task in self.tasks:
            yield task, ("created_at", "taken_at", "completed_at")
        for event in self.events:
            yield event, ("at",)
        for item in self.attachments:
            yield item, ("uploaded_at",)
        for receipt in self.receipts:
            yield receipt, ("issued_at",)
        for doc in self.archived:
            yield doc, ("archived_at",)

    def shift_to_end(self, end: datetime) -> None:
        """Move the whole run by whole weeks so that its last moment is at or before ``end``.

        Whole weeks keep weekdays and clock times, so working-time arithmetic stays valid.
        """
        last = max(value for record, keys in self.all_records() for key in keys if (value := record.get(key)))
        weeks = (end - last) // timedelta(weeks=1)
        delta = timedelta(weeks=weeks)
        for record, keys in self.all_records():
            for key in keys:
                if record.get(key) is not None:
                    record[key] += delta

    def settle(self) -> None:
        """After the shift: tahun and judul from the final start date, and the "mulai" detail."""
        kode, unit_nama, suffix = self.run.pop("_judul_parts")
        tahun = self.ctx.calendar.to_local(self.run["started_at"]).year + self.run.pop("_tahun_offset")
        self.run["tahun"] = min(max(tahun, 2000), 2100)
        self.run["judul"] = f"{kode} Tahun {self.run['tahun']} {unit_nama}{suffix}"[:300]
        self.mulai["detail"] = f"{self.d.nama} ({self.d.nomor}, versi {self.d.versi}): {self.run['judul']}"[:2000]
        for doc in self.archived:
            doc.update(tahun=self.run["tahun"], judul=self.run["judul"], unit_nama=unit_nama)
        for task in self.tasks:
            value, unit = task.pop("_waktu")
            task["due_at"] = self.ctx.calendar.add(task["created_at"], value, unit)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.simulate``: throughput of the simulated runner over many runs.

    Loads the demo organisation (and ``--extra-users``) into a temporary SQLite database once, then
    drives ``--runs`` runs of every loaded SOP through ``RunSim`` in memory, no database writes and
    no HTTP, and prints runs, step transitions (tasks opened and completed) and audit events per
    second of CPU time. Always exits 0: it is a report.
    """
    import argparse
    import statistics
    import tempfile
    import time
    from pathlib import Path

    from bench.backends import bench_database, dispose, make_app
    from bench.generate import DEFAULT_SEED, make_blobs, simulate_runs
    from bench.org import add_extra_users, snapshot
    from portal.demo import load_demo
    from portal.extensions import db
    from portal.models import utcnow

    parser = argparse.ArgumentParser(prog="python -m bench.simulate", description=main.__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20000, help="simulated runs (default 20000)")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions; the median is reported (default 3)")
    parser.add_argument("--extra-users", type=int, default=200)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-simulate-") as tmp:
        with bench_database("sqlite", Path(tmp)) as url:
            app = make_app(url, Path(tmp))
            try:
                with app.test_request_context():
                    load_demo(with_runs=False)
                    rng = random.Random(args.seed)
                    add_extra_users(args.extra_users, rng)
                    db.session.commit()
                    definitions = sorted(app.extensions["portal_plugins"].definitions.values(), key=lambda d: d.id)
                    blobs, receipt_blob = make_blobs(app.extensions["file_store"], rng)
                    org = snapshot()
                    rounds = []
                    for _ in range(args.rounds):
                        ctx = Context(org, app.extensions["worktime"], blobs, receipt_blob, None)
                        started = time.process_time()
                        sims = simulate_runs(ctx, definitions, args.runs, args.seed, utcnow())
                        seconds = time.process_time() - started
                        events = sum(len(s.events) for s in sims)
                        rounds.append((seconds, dict(ctx.transitions), events))
                        del sims
            finally:
                dispose(app)
    seconds, transitions, events = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]
    steps = transitions["activated"] + transitions["completed"]
    print(f"Simulated {args.runs:,} runs of {len(definitions)} SOP(s) in {seconds:.1f} s CPU "
          f"(median of {len(rounds)}; spread {min(r[0] for r in rounds):.1f}-{max(r[0] for r in rounds):.1f} s)")
    print(f"  {args.runs / seconds:,.0f} runs/s · {steps / seconds:,.0f} step transitions/s "
          f"({transitions['activated']:,} tasks opened, {transitions['completed']:,} completed) · "
          f"{events / seconds:,.0f} audit events/s ({events:,} events)")
    print(f"  per transition {seconds * 1e6 / steps:.0f} µs CPU, through the runner's own allowed_actions, "
          f"_describe, next_step and WorkCalendar.add (no database, no HTTP; "
          f"{statistics.fmean(r[0] for r in rounds):.1f} s mean)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
