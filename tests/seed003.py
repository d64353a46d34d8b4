"""Seed 003 (DPMPTSP Kabupaten Tanjung Jabung Barat) read as its tables: each identity
sheet precedes its step table; a step row split across pages continues on a line that
starts with empty cells; the values after the activity are read by position
(Kelengkapan | Waktu | Output | Keterangan), whatever the shifted header says."""
from __future__ import annotations

import re

from tests.seeds import seed_text, squash

MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]


def _blocks() -> list[tuple[str, str]]:
    """(identity sheet text, step table text) for every SOP of the seed, in order."""
    text = seed_text(3)
    parts = re.split(r"\n(?=DINAS PENANAMAN MODAL DAN PELAYANAN\n)", text)
    blocks = []
    for part in parts:
        if "Standar Operasional Prosedur" not in part:
            continue
        identity, _, table = part.partition("\nStandar Operasional Prosedur")
        blocks.append((identity, "Standar Operasional Prosedur" + table))
    return blocks


def sop_block(name: str) -> tuple[str, str]:
    """The (identity, table) of the SOP whose table title contains ``name`` (e.g. "(RENSTRA)")."""
    found = [b for b in _blocks() if name in b[1].splitlines()[0]]
    assert len(found) == 1, f"seed 003: {name} found {len(found)} times"
    return found[0]


def steps(table: str) -> list[dict]:
    """The step rows: no, kegiatan, kelengkapan, waktu, output, keterangan."""
    rows: list[dict] = []
    for line in table.splitlines()[1:]:
        cells = [c.strip() for c in line.split("\t")]
        match = re.fullmatch(r"(\d+)\.?", cells[0])
        if match and len(cells) > 1 and cells[1]:
            rows.append({"no": int(match.group(1)), "kegiatan": cells[1], "rest": [c for c in cells[2:] if c]})
        elif rows and not cells[0] and any(cells):
            rows[-1]["rest"] += [c for c in cells if c]
    for row in rows:
        rest = row.pop("rest")
        assert len(rest) == 4, f"langkah {row['no']}: {rest}"
        row.update(zip(("kelengkapan", "waktu", "output", "keterangan"), rest))
    return rows


def date_text(iso: str) -> str:
    """"2019-01-14" -> "14 Januari 2019" (as the identity sheet writes it)."""
    year, month, day = (int(p) for p in iso.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def check_identity(definition, identity: str) -> None:
    """Every identity field of ``definition`` is printed in the seed's sheet (empty stays empty)."""
    sheet = squash(identity)
    assert f"Nomor SOP : {definition.nomor}" in sheet
    assert f"Nama SOP : {definition.nama}" in sheet
    assert f"Tgl Pembuatan : {date_text(definition.tanggal_pembuatan)}" in sheet
    assert f"Tgl Pengesahan : {date_text(definition.tanggal_efektif)}" in sheet
    assert definition.tanggal_revisi == "" and "Tgl Revisi : Tgl Pengesahan" in sheet
    signer = definition.disahkan_oleh
    assert f"Disahkan Oleh {signer.jabatan}" in sheet
    assert signer.nama and signer.nama in sheet and f"NIP. {signer.nip}" in sheet
    sections = [("Dasar Hukum", definition.dasar_hukum), ("Kualifikasi Pelaksana", definition.kualifikasi_pelaksana),
                ("Keterkaitan", definition.keterkaitan), ("Peralatan/ Perlengkapan", definition.peralatan), ("PERINGATAN", None)]
    for (label, values), (following, _) in zip(sections, sections[1:]):
        listed = sheet.split(f"{label} :", 1)[1].split(f"{following} :", 1)[0]
        assert values and squash(listed) == " ".join(f"{i}. {v}" for i, v in enumerate(values, start=1)), label
    assert definition.peringatan == () and "PERINGATAN : PENCATATAN" in sheet
    assert definition.pencatatan == ("Disimpan sebagai data",) and "PENCATATAN DAN PENDATAAN : Disimpan sebagai data" in sheet


def check_steps(definition, table: str) -> None:
    """The definition's steps equal the seed's rows: kegiatan, kelengkapan, waktu as written, output, keterangan."""
    seed_rows = steps(table)
    assert len(definition.steps) == len(seed_rows) == 11
    for step, row in zip(definition.steps, seed_rows):
        assert (step.no, squash(step.kegiatan), step.kelengkapan, step.waktu.text, step.output, step.keterangan) == \
            (row["no"], squash(row["kegiatan"]), row["kelengkapan"], row["waktu"], row["output"], row["keterangan"]), step.no
