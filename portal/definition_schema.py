"""The definition file as a pydantic v2 schema (``flask sop schema`` exports it).

Structure and types are checked here (unknown keys refused); cross-references (lanes,
step numbers, waktu) are checked by ``portal.sop_validate`` afterwards. Errors are turned
into Indonesian sentences naming the section, the step (by its ``no``) and the field.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, ValidationError

from portal.forms.spec import DocumentSpec, FormSpec, Strict

TextOrList = str | list[str]


class SignatorySpec(Strict):
    """Disahkan oleh."""

    jabatan: str = ""
    nama: str = ""
    nip: str = ""


class IdentitySpec(Strict):
    """``[identitas]``: the SOP AP identity sheet."""

    id: str | None = None
    kode: str
    versi: str | int | float
    nomor: str
    agency: str
    nama: str
    pemerintah: str = ""
    tanggal_pembuatan: date | str = ""
    tanggal_revisi: date | str = ""
    tanggal_efektif: date | str = ""
    disahkan_oleh: SignatorySpec = SignatorySpec()
    dasar_hukum: TextOrList = ""
    kualifikasi_pelaksana: TextOrList = ""
    keterkaitan: TextOrList = ""
    peralatan: TextOrList = ""
    peringatan: TextOrList = ""
    pencatatan: TextOrList = ""
    langkah_dirancang: bool = False  # the steps are drafted from similar SOPs, not the agency's document


class LaneSpec(Strict):
    """A lane written as a table: ``kunci = { label = "...", per_unit = true }``."""

    label: str
    per_unit: bool = False


class StepSpec(Strict):
    """``[[langkah]]``: one row of the step table."""

    no: int
    kegiatan: str
    pelaksana: TextOrList
    kelengkapan: str = ""
    waktu: str
    output: str
    keterangan: str = ""
    kembali_ke: int | None = None
    label_tolak: str = "Kembalikan"
    opsional: bool = False
    fan_out: bool = False
    serah_terima: bool | None = None
    penerima: str | None = None
    formulir: str | None = None
    pemeriksa_berbeda: Any = True  # maker-checker; checked (bool) with the step in sop_validate
    berkas_wajib: Any = 0  # required output files: true or a count 0-20; checked in sop_validate


class DemoRunSpec(Strict):
    """``[[contoh]]``: a demo run ``flask demo load`` creates through the real runner."""

    judul: str = Field(min_length=1)
    tahun: int | None = Field(default=None, ge=2000, le=2100)
    sampai_langkah: int | None = None  # stop with this step open (absent: run to the end)
    unit_selesai: int = Field(default=0, ge=0)  # on that fan-out step: how many units hand in first
    kembali: list[int] = Field(default_factory=list)  # steps that send the run back once before approving
    data: dict[str, str] = Field(default_factory=dict)  # form key -> JSON file beside the definition


class DefinitionFile(Strict):
    """A whole definition file (``sop.toml``)."""

    identitas: IdentitySpec
    pelaksana: dict[str, str | LaneSpec] = Field(min_length=1)
    langkah: list[StepSpec] = Field(min_length=1)
    formulir: list[FormSpec] = Field(default_factory=list)
    dokumen: list[DocumentSpec] = Field(default_factory=list)
    sertakan: list[str] = Field(default_factory=list)  # sibling files whose [[formulir]]/[[dokumen]] are appended
    contoh: list[DemoRunSpec] = Field(default_factory=list)


_MESSAGES = {
    "extra_forbidden": "field tidak dikenal",
    "missing": "wajib diisi",
    "int_type": "harus bilangan bulat", "int_parsing": "harus bilangan bulat",
    "float_type": "harus angka", "float_parsing": "harus angka",
    "string_type": "harus teks", "bool_type": "harus true atau false", "bool_parsing": "harus true atau false",
    "list_type": "harus daftar [..]", "dict_type": "harus tabel { .. }", "model_type": "harus tabel { .. }",
    "string_pattern_mismatch": "hanya boleh huruf kecil, angka dan garis bawah, diawali huruf",
    "too_short": "tidak boleh kosong",
    "greater_than_equal": "terlalu kecil", "less_than_equal": "terlalu besar",
}


def _where(raw: dict[str, Any], loc: tuple) -> str:
    """'langkah 3, field waktu' / 'formulir target_pk, kolom 2, field tipe' from an error location."""
    parts: list[str] = []
    node: Any = raw
    index = 0
    while index < len(loc):
        item = loc[index]
        nxt = loc[index + 1] if index + 1 < len(loc) else None
        if isinstance(nxt, int) and isinstance(node, dict) and isinstance(node.get(item), list):
            entries = node[item]
            entry = entries[nxt] if nxt < len(entries) else {}
            name = entry.get("no", entry.get("kunci")) if isinstance(entry, dict) else None
            parts.append(f"{item} {name if name is not None else f'ke-{nxt + 1}'}")
            node = entry
            index += 2
            continue
        if isinstance(item, str) and "[" in item:  # union member tags such as 'str' or 'LaneSpec'
            index += 1
            continue
        if index == len(loc) - 1 or not isinstance(node, dict) or not isinstance(node.get(item), (dict, list)):
            parts.append(f"field {item}")
        else:
            parts.append(str(item))
        node = node.get(item) if isinstance(node, dict) else None
        index += 1
    return ", ".join(parts) or "berkas"


def schema_problems(raw: dict[str, Any]) -> tuple[DefinitionFile | None, list[str]]:
    """Validate ``raw`` against the schema; returns (model or None, Indonesian problems)."""
    try:
        return DefinitionFile.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        seen = set()
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if p not in ("str", "LaneSpec", "list[str]", "literal['unit','pengguna','peran']"))
            message = _MESSAGES.get(error["type"])
            if message is None:
                message = str(error["msg"]).removeprefix("Value error, ")
                if error["type"] == "literal_error":
                    message = "harus salah satu dari " + message.removeprefix("Input should be ")
            text = f"{_where(raw, loc)}: {message}"
            if text not in seen:
                seen.add(text)
                problems.append(text)
        return None, problems


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a definition file (Indonesian keys)."""
    return DefinitionFile.model_json_schema(by_alias=True)


__all__ = ["DefinitionFile", "schema_problems", "json_schema"]
