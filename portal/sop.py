"""SOP definitions: frozen dataclasses and the loader/validator of ``sop.toml`` files.

A definition is the SOP AP document (Permenpan RB 35/2012) as data: the identity sheet
and the step table. Plugins ship them as TOML so a non-programmer can read them against
the paper SOP. The loader reports every problem with the file, the step and the field.
"""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable

WAKTU_UNITS = {"menit": "menit", "jam": "jam", "hari": "hari"}
_WAKTU_RE = re.compile(r"^\s*(\d+)\s*([A-Za-z]+)\s*$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class DefinitionError(ValueError):
    """A definition file is invalid; ``problems`` lists each problem as a sentence."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True)
class Waktu:
    """The standard time of a step as the SOP writes it ("30 menit", "2 Jam", "1 Hari")."""

    text: str
    value: int
    unit: str  # "menit", "jam" or "hari"


def parse_waktu(text: str) -> Waktu:
    """Parse a waktu text; raises ValueError with an Indonesian message when unreadable."""
    match = _WAKTU_RE.match(text or "")
    unit = match and WAKTU_UNITS.get(match.group(2).lower())
    if not match or not unit:
        raise ValueError(f'waktu "{text}" tidak terbaca (contoh yang benar: "30 menit", "2 Jam", "1 Hari")')
    value = int(match.group(1))
    if value <= 0:
        raise ValueError(f'waktu "{text}" harus lebih dari nol')
    return Waktu(text=text.strip(), value=value, unit=unit)


@dataclass(frozen=True)
class Step:
    """One row of the SOP step table."""

    no: int
    kegiatan: str
    pelaksana: tuple[str, ...]  # role keys; the first one acts in the portal
    kelengkapan: str
    waktu: Waktu
    output: str
    keterangan: str = ""
    decision: int | None = None  # the step a rejection returns to
    reject_label: str = "Kembalikan"  # "Kembalikan" or "Tolak", as the SOP says
    optional: bool = False
    fan_out: bool = False
    handover: bool = False
    receiver: str | None = None  # role key of who receives a hand-over
    form: str | None = None  # key of a plugin's custom form
    checker_differs: bool = True  # issue 10, TOML pemeriksa_berbeda: the maker may not approve
    evidence_required: int = 0  # issue 10, TOML berkas_wajib: files needed before completing

    @property
    def actor(self) -> str:
        """The role key that completes this step in the portal."""
        return self.pelaksana[0]


@dataclass(frozen=True)
class Signatory:
    """Who ratified the SOP (Disahkan oleh)."""

    jabatan: str = ""
    nama: str = ""
    nip: str = ""


@dataclass(frozen=True)
class SopDefinition:
    """A whole SOP: identity sheet, pelaksana lanes and steps.

    ``id`` tells apart the agency versions of one SOP family (``kode``), e.g. ``pk_jabar``
    and ``pk_bkpsdm`` both of kode ``pk``; ``versi`` is the revision of that SOP.
    """

    id: str
    kode: str
    versi: str
    nomor: str
    agency: str
    nama: str
    pemerintah: str
    tanggal_pembuatan: str
    tanggal_revisi: str
    tanggal_efektif: str
    disahkan_oleh: Signatory
    dasar_hukum: tuple[str, ...]
    kualifikasi_pelaksana: tuple[str, ...]
    keterkaitan: tuple[str, ...]
    peralatan: tuple[str, ...]
    peringatan: tuple[str, ...]
    pencatatan: tuple[str, ...]
    pelaksana: tuple[tuple[str, str], ...]  # (role key, label as in the seed), lane order
    steps: tuple[Step, ...]
    source: str = ""
    plugin: str = ""
    forms: tuple = ()  # FormSpec of each [[formulir]]
    documents: tuple = ()  # DocumentSpec of each [[dokumen]]
    per_unit_lanes: tuple[str, ...] = ()  # lanes declared with per_unit = true
    designed_steps: bool = False  # [identitas] langkah_dirancang: steps drafted from similar SOPs
    demo_runs: tuple = field(default=(), compare=False)  # DemoRunSpec of each [[contoh]]; not pinned to runs

    @property
    def ident(self) -> str:
        """Unique id of this revision: ``id@versi``."""
        return f"{self.id}@{self.versi}"

    def lane_label(self, key: str) -> str:
        """The seed's label of a pelaksana lane."""
        return dict(self.pelaksana).get(key, key)

    def form(self, key: str | None):
        """The declared ``[[formulir]]`` with ``key`` (a FormSpec), or None."""
        return next((f for f in self.forms if f.key == key), None) if key else None

    def document(self, key: str):
        """The declared ``[[dokumen]]`` with ``key`` (a DocumentSpec), or None."""
        return next((d for d in self.documents if d.key == key), None)

    def step(self, no: int) -> Step:
        """The step with number ``no``; KeyError when absent."""
        for step in self.steps:
            if step.no == no:
                return step
        raise KeyError(no)

    def next_step(self, no: int) -> Step | None:
        """The step after ``no`` in table order, or None after the last one."""
        numbers = [s.no for s in self.steps]
        index = numbers.index(no)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready) for export and for pinning a run to this version."""
        data = asdict(self)
        data.pop("demo_runs")
        data["langkah_dirancang"] = data.pop("designed_steps")
        data["pelaksana"] = [{"key": k, "label": v} for k, v in self.pelaksana]
        data["steps"] = [_step_to_dict(s) for s in self.steps]
        data["forms"] = [f.model_dump(mode="json", by_alias=True, exclude_none=True) for f in self.forms]
        data["documents"] = [d.model_dump(mode="json", by_alias=True, exclude_none=True) for d in self.documents]
        data["per_unit_lanes"] = list(self.per_unit_lanes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SopDefinition":
        """Rebuild a definition from ``to_dict`` output (a run's pinned snapshot)."""
        from portal.forms.spec import DocumentSpec, FormSpec

        steps = tuple(_step_from_dict(s) for s in data["steps"])
        values = {k: v for k, v in data.items() if k not in ("steps", "pelaksana", "disahkan_oleh", "forms", "documents")}
        values["per_unit_lanes"] = tuple(values.get("per_unit_lanes", ()))
        values["designed_steps"] = bool(values.pop("langkah_dirancang", False))
        for key in ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan", "peringatan", "pencatatan"):
            values[key] = tuple(values[key])
        return cls(
            **values,
            disahkan_oleh=Signatory(**data["disahkan_oleh"]),
            pelaksana=tuple((p["key"], p["label"]) for p in data["pelaksana"]),
            steps=steps,
            forms=tuple(FormSpec.model_validate(f) for f in data.get("forms", ())),
            documents=tuple(DocumentSpec.model_validate(d) for d in data.get("documents", ())),
        )


def snapshot_sha(data: dict[str, Any]) -> str:
    """A stable sha256 of a definition snapshot (``to_dict`` output), to recognise equal snapshots."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_SNAPSHOTS: dict[str, "SopDefinition"] = {}


def cached_snapshot(sha: str, load: "Callable[[], dict[str, Any]]") -> "SopDefinition":
    """The definition of snapshot ``sha``, parsed once per process (``load`` gives the data on a miss)."""
    definition = _SNAPSHOTS.get(sha)
    if definition is None:
        definition = SopDefinition.from_dict(load())
        if len(_SNAPSHOTS) > 500:
            _SNAPSHOTS.clear()
        _SNAPSHOTS[sha] = definition
    return definition


def _step_to_dict(step: Step) -> dict[str, Any]:
    data = asdict(step)
    data["pelaksana"] = list(step.pelaksana)
    data["waktu"] = step.waktu.text
    data["waktu_value"] = step.waktu.value
    data["waktu_unit"] = step.waktu.unit
    return data


def _step_from_dict(data: dict[str, Any]) -> Step:
    values = dict(data)
    values["waktu"] = Waktu(values.pop("waktu"), values.pop("waktu_value"), values.pop("waktu_unit"))
    values["pelaksana"] = tuple(values["pelaksana"])
    return Step(**values)


def load_definition_file(path: str | Path, plugin: str = "") -> SopDefinition:
    """Read and validate one TOML definition; raises DefinitionError listing every problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(str(path), [f"berkas tidak dapat dibaca: {exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(str(path), [f"TOML tidak sah: {exc}"]) from exc
    _include_siblings(raw, path)
    return parse_definition(raw, source=str(path), plugin=plugin)


INCLUDABLE = ("formulir", "dokumen")


def _include_siblings(raw: dict[str, Any], path: Path) -> None:
    """Append the ``[[formulir]]`` and ``[[dokumen]]`` of the files named in ``sertakan``
    (beside ``path``) to ``raw``, so two versions of one SOP share their forms and documents."""
    names = raw.pop("sertakan", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DefinitionError(str(path), ['sertakan: harus daftar nama berkas, mis. ["formulir_pk.toml"]'])
    problems = []
    for name in names:
        sibling = path.parent / name
        if Path(name).name != name or not sibling.is_file():
            problems.append(f"sertakan: berkas {name!r} tidak ada di samping {path.name}")
            continue
        try:
            included = tomllib.loads(sibling.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"sertakan {name}: tidak dapat dibaca: {exc}")
            continue
        for key in sorted(set(included) - set(INCLUDABLE)):
            problems.append(f"sertakan {name}, field {key}: hanya [[formulir]] dan [[dokumen]] yang dapat disertakan")
        for key in INCLUDABLE:
            raw.setdefault(key, []).extend(included.get(key, []))
    if problems:
        raise DefinitionError(str(path), problems)


def parse_definition(raw: dict[str, Any], source: str = "<data>", plugin: str = "") -> SopDefinition:
    """Validate parsed TOML data and build the definition (see ``load_definition_file``)."""
    from portal.sop_validate import Validator  # local: keeps this module about the types

    return Validator(raw, source, plugin).build()


def text_list(value: Any) -> tuple[str, ...]:
    """Normalise a TOML string-or-list field into a tuple of strings."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def date_text(value: Any) -> str:
    """A TOML date or string as ISO text ("" when empty)."""
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")


__all__ = [
    "DefinitionError", "SopDefinition", "Step", "Signatory", "Waktu", "parse_waktu",
    "load_definition_file", "parse_definition", "snapshot_sha", "cached_snapshot",
]
