"""Realistic Renstra (2025-2029) and Renja data of DPMPTSP Tanjung Jabung Barat, and a
driver that runs a Renstra or Renja through the web client as each step's pelaksana."""
from __future__ import annotations

from sqlalchemy import select

from portal import runner
from portal.extensions import db
from portal.models import Run, Task, Unit

PERIODE = (2025, 2029)
VISI = "Terwujudnya Iklim Investasi yang Kondusif dan Pelayanan Perizinan yang Prima di Tanjung Jabung Barat"
MISI = "Meningkatkan kualitas pelayanan perizinan berusaha\nMeningkatkan promosi dan kerja sama penanaman modal"
TUJUAN = "Meningkatkan realisasi penanaman modal\nMeningkatkan kepuasan masyarakat atas pelayanan perizinan"


def _years(values):
    return {f"target_{i}": v for i, v in enumerate(values, start=1)}


def _pagu(values):
    return {f"pagu_{i}": v for i, v in enumerate(values, start=1)}


SASARAN = [
    {"sasaran": "Meningkatnya realisasi investasi", "indikator": "Nilai realisasi investasi", "satuan": "Rp miliar",
     "arah": "naik", "baseline": 850, **_years([900, 950, 1000, 1050, 1100]), "kondisi_akhir": 1100},
    {"sasaran": "Meningkatnya kualitas pelayanan perizinan", "indikator": "Indeks Kepuasan Masyarakat", "satuan": "nilai",
     "arah": "naik", "baseline": 82.5, **_years([83, 84, 85, 86, 87.5]), "kondisi_akhir": 87.5},
    {"sasaran": "Menurunnya waktu penyelesaian izin", "indikator": "Rata-rata waktu penyelesaian izin", "satuan": "hari",
     "arah": "turun", "baseline": 7, **_years([6, 5, 4, 4, 3]), "kondisi_akhir": 3},
]

# (jenis, kode, program, indikator, satuan, targets, pagu, kondisi akhir target, unit kode)
PROGRAM = [
    ("Program", "2.18.01", "Program Penunjang Urusan Pemerintahan Daerah Kabupaten/Kota",
     "Persentase dokumen perencanaan dan pelaporan tepat waktu", "%", [100] * 5,
     [2_150_000_000, 2_250_000_000, 2_350_000_000, 2_450_000_000, 2_550_000_000], 100, "sekretariat"),
    ("Sub Kegiatan", "2.18.01.2.01.01", "Penyusunan Dokumen Perencanaan Perangkat Daerah",
     "Jumlah dokumen perencanaan", "dokumen", [3] * 5,
     [85_000_000, 91_500_000, 95_000_000, 100_000_000, 105_000_000], 15, "sekretariat"),
    ("Sub Kegiatan", "2.18.01.2.01.02", "Evaluasi Kinerja Perangkat Daerah",
     "Jumlah laporan evaluasi kinerja", "laporan", [4] * 5,
     [60_000_000, 62_000_000, 65_000_000, 68_000_000, 70_000_000], 20, "sekretariat"),
    ("Program", "2.18.03", "Program Promosi Penanaman Modal", "Jumlah kegiatan promosi penanaman modal", "kegiatan",
     [4, 4, 5, 5, 6], [400_000_000, 425_000_000, 450_000_000, 475_000_000, 500_000_000], 24, "bidang_perencanaan"),
    ("Sub Kegiatan", "2.18.03.2.01.01", "Penyelenggaraan Promosi Penanaman Modal",
     "Jumlah pameran investasi yang diikuti", "kali", [2, 2, 3, 3, 4],
     [250_000_000, 262_750_000, 280_000_000, 295_000_000, 310_000_000], 14, "bidang_perencanaan"),
]


def renstra_data(units: dict[str, int], periode=PERIODE) -> dict:
    """The Renstra form's typed data (``units``: unit kode -> id)."""
    program = [{"jenis": j, "kode": k, "program": p, "indikator": i, "satuan": s, **_years(t), **_pagu(pg),
                "kondisi_akhir_target": ka, "kondisi_akhir_pagu": sum(pg), "unit_pj": units[u]}
               for j, k, p, i, s, t, pg, ka, u in PROGRAM]
    return {"periode_awal": periode[0], "periode_akhir": periode[1], "visi": VISI, "misi": MISI, "tujuan": TUJUAN,
            "sasaran": [dict(r) for r in SASARAN], "program": program}


def unit_ids() -> dict[str, int]:
    """Unit kode -> id of the demo organisation."""
    return {u.kode: u.id for u in db.session.scalars(select(Unit))}


def formdata(app, sop_id: str, form_key: str, data: dict) -> dict[str, str]:
    """``data`` as the browser posts it."""
    from portal.forms.samples import to_formdata

    return to_formdata(app.extensions["portal_plugins"].definition(sop_id).form(form_key), data)


def client_as(app, user):
    """A test client logged in as ``user`` (session set directly; no password needed)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def request_as(app, user, url: str, data: dict | None = None):
    """GET (or POST ``data`` to) ``url`` as ``user`` in a fresh app context; (status, body bytes)."""
    with app.app_context():
        client = client_as(app, user)
        response = client.post(url, data=data) if data is not None else client.get(url)
        return response.status_code, response.get_data()


def start(app, sop_id: str, tahun: int, starter: str = "kadis", judul: str | None = None) -> int:
    """Start a run of ``sop_id`` for ``tahun`` as ``starter``; returns its id."""
    from portal.models import User

    definition = app.extensions["portal_plugins"].definition(sop_id)
    user = db.session.scalar(select(User).where(User.username == starter))
    run = runner.start_run(definition, user, judul=judul or f"{definition.nama} {tahun}", tahun=tahun, unit_id=user.unit_id)
    db.session.commit()
    return run.id


def open_task(run_id: int) -> Task | None:
    """The run's oldest open task."""
    db.session.expire_all()
    return db.session.scalar(select(Task).where(Task.run_id == run_id, Task.status == "terbuka").order_by(Task.id))


def drive(app, run_id: int, forms: dict[int, dict], *, returns: dict[int, str] | None = None,
          until: int | None = None) -> list[tuple[int, str, str]]:
    """Complete the run's tasks through the web as their pelaksana: post ``forms[step]`` on a
    form step, return each step of ``returns`` once (with its reason), approve the rest;
    stop when step ``until`` is open. Returns (step, user, action) in order."""
    from portal.demo_runs import actor_for

    returns, done = dict(returns or {}), []
    for _ in range(60):
        task = open_task(run_id)
        if task is None or task.step_no == until:
            break
        step, user = task.step, actor_for(task)
        action = "kembali" if step.no in returns else ("setuju" if step.decision else "selesai")
        payload = {"tindakan": action, "versi": str(task.version), "catatan": returns.pop(step.no, "Sesuai")}
        if action != "kembali":
            payload.update(forms.get(step.no, {}))
        task_id, step_no, username = task.id, step.no, user.username
        with app.app_context():  # a fresh ``g`` (the logged-in user) per request sequence
            client = client_as(app, user)
            assert client.get(f"/tugas/{task_id}").status_code == 200
            response = client.post(f"/tugas/{task_id}/selesaikan", data=payload)
            assert response.status_code == 303, f"langkah {step_no}: HTTP {response.status_code} {response.get_data(as_text=True)[:3000]}"
        done.append((step_no, username, action))
    return done


def finished_run(run_id: int) -> Run:
    """The run, fresh from the database."""
    db.session.expire_all()
    return db.session.get(Run, run_id)


def renja_rows(tahun: int, periode=PERIODE, lokasi: str = "Kabupaten Tanjung Jabung Barat") -> list[dict]:
    """The Renja rows the Renstra's program table gives for ``tahun`` (with a lokasi)."""
    ke = tahun - periode[0]
    nxt = ke + 1 if ke + 1 < 5 else None
    return [{"jenis": j, "kode": k, "uraian": p, "indikator": i, "target": t[ke], "satuan": s, "lokasi": lokasi,
             "pagu": pg[ke], "target_maju": t[nxt] if nxt is not None else None,
             "pagu_maju": pg[nxt] if nxt is not None else None}
            for j, k, p, i, s, t, pg, _, _ in PROGRAM]


def finish_renstra(app, tahun: int = 2024, periode=PERIODE, returns=None) -> tuple[int, list]:
    """A Renstra run driven to the end with the realistic data; (run id, steps done)."""
    run_id = start(app, "renstra_tanjabbar", tahun)
    data = formdata(app, "renstra_tanjabbar", "renstra", renstra_data(unit_ids(), periode))
    return run_id, drive(app, run_id, {6: data}, returns=returns)
