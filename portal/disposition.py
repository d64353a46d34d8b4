"""The built-in ``disposisi`` form (issue 10): the lembar disposisi of a disposition step.

Any step may name it with ``formulir = "disposisi"`` without declaring it (a declared
``[[formulir]]`` with the same key wins). The step after a disposition shows it at the
top of its page, and the run page shows the run's latest disposition.
"""
from __future__ import annotations

from functools import lru_cache

KEY = "disposisi"
SIFAT = ("Biasa", "Segera", "Sangat Segera")


@lru_cache(maxsize=1)
def spec():
    """The FormSpec of the lembar disposisi: kepada, isi, sifat, batas waktu, catatan/paraf."""
    from portal.forms.spec import FormSpec

    return FormSpec.model_validate({
        "kunci": KEY, "judul": "Lembar Disposisi", "jenis": "isian",
        "keterangan": "Kepada siapa disposisi ditujukan, isinya, sifatnya dan batas waktunya.",
        "isian": [
            {"kunci": "kepada", "judul": "Kepada (peran)", "tipe": "pilihan", "pilihan": "peran", "wajib": True},
            {"kunci": "kepada_pengguna", "judul": "Kepada (orang tertentu, bila perlu)", "tipe": "pilihan",
             "pilihan": "pengguna"},
            {"kunci": "isi", "judul": "Isi disposisi", "tipe": "teks_panjang", "wajib": True},
            {"kunci": "sifat", "judul": "Sifat", "tipe": "pilihan", "pilihan": list(SIFAT), "wajib": True},
            {"kunci": "batas_waktu", "judul": "Batas waktu", "tipe": "tanggal"},
            {"kunci": "paraf", "judul": "Catatan / paraf", "tipe": "teks_panjang"},
        ],
    })


def builtin_form(key: str | None):
    """The built-in form named ``key`` (only ``disposisi``), or None."""
    return spec() if key == KEY else None


def for_step(run, tasks, step_no: int) -> dict | None:
    """The disposition the step ``step_no`` follows: the latest completed entry of the step
    just before it, when that step uses the ``disposisi`` form; else None."""
    numbers = [s.no for s in run.sop.steps]
    index = numbers.index(step_no)
    if index == 0 or run.sop.steps[index - 1].form != KEY:
        return None
    return _latest(run, tasks, numbers[index - 1])


def latest_of_run(run, tasks) -> dict | None:
    """The run's latest disposition (any step using the ``disposisi`` form), or None."""
    steps = [s.no for s in run.sop.steps if s.form == KEY]
    found = [d for d in (_latest(run, tasks, no) for no in steps) if d]
    return max(found, key=lambda d: d["task"].completed_at) if found else None


def _latest(run, tasks, step_no: int) -> dict | None:
    from portal.models import Outcome

    done = [t for t in tasks if t.step_no == step_no and t.form_data and t.outcome in (Outcome.SELESAI, Outcome.SETUJU)]
    if not done:
        return None
    task = max(done, key=lambda t: t.id)
    return {"task": task, "data": task.form_data, **_names(task.form_data)}


def _names(data: dict) -> dict:
    """Readable "kepada": the role's label and the person's name."""
    from portal.request_cache import role_by_key, user_by_id

    role = role_by_key(data["kepada"]) if data.get("kepada") else None
    person = user_by_id(int(data["kepada_pengguna"])) if str(data.get("kepada_pengguna") or "").isdigit() else None
    return {"kepada_label": role.label if role else (data.get("kepada") or "-"), "kepada_orang": person}
