"""LAKIP 503 / 01 and LKjIP 503 / 02 of DPMPTSP Tanjung Jabung Barat against seed 003:
every step (kegiatan, kelengkapan, waktu, output, keterangan, read from the seed with its
shifted header: the cell after Waktu is the output) and the identity sheet."""
import re

import pytest

from portal.sop import load_definition_file
from tests.seeds import seed_text, squash

MONTHS = {"Januari": 1, "Februari": 2, "Maret": 3, "April": 4, "Mei": 5, "Juni": 6, "Juli": 7, "Agustus": 8,
          "September": 9, "Oktober": 10, "November": 11, "Desember": 12}
CASES = [("lakip", "503 / 01 / DPM PTSP"), ("lkjip", "503 / 02 /DPM PTSP")]


def section(nomor: str) -> str:
    """The seed's text from the identity sheet with ``nomor`` to the next agency header."""
    text = seed_text(3)
    start = text.index(f": {nomor}")
    end = text.find("DINAS PENANAMAN MODAL", start)
    return text[start:end if end > 0 else len(text)]


def seed_steps(nomor: str) -> list[tuple]:
    """(no, kegiatan, kelengkapan, waktu, output, keterangan) of every numbered row."""
    rows = []
    for line in section(nomor).splitlines():
        match = re.match(r"^(\d+)\.?\t(.*)$", line)
        if not match:
            continue
        cells = [c.strip() for c in match.group(2).split("\t") if c.strip()]
        assert len(cells) == 5, line
        rows.append((int(match.group(1)), *cells))
    return rows


def iso(text: str) -> str:
    day, month, year = text.split()
    return f"{int(year):04d}-{MONTHS[month]:02d}-{int(day):02d}"


@pytest.mark.parametrize("kode,nomor", CASES)
def test_steps_equal_seed(kode, nomor):
    d = load_definition_file(f"plugins/lkjip/{kode}_tanjabbar.toml")
    expected = seed_steps(nomor)
    assert len(expected) == 10 and len(d.steps) == 10
    assert [(s.no, s.kegiatan, s.kelengkapan, s.waktu.text, s.output, s.keterangan) for s in d.steps] == expected


@pytest.mark.parametrize("kode,nomor", CASES)
def test_identity_sheet_equals_seed(kode, nomor):
    d = load_definition_file(f"plugins/lkjip/{kode}_tanjabbar.toml")
    text = section(nomor)
    flat = squash(text)
    assert (d.id, d.kode, d.nomor) == (f"{kode}_tanjabbar", kode, nomor)
    assert f"Nama SOP : {d.nama}" in squash(text.replace("\t", " "))
    assert d.tanggal_pembuatan == iso(re.search(r"Tgl Pembuatan\s*:\s*(\d+ \w+ \d{4})", text).group(1))
    assert d.tanggal_efektif == iso(re.search(r"Tgl Pengesahan\s*:\s*(\d+ \w+ \d{4})", text).group(1))
    assert re.search(r"Tgl Revisi\s*:\s*-", text) and d.tanggal_revisi == ""
    signed = re.search(r"Disahkan Oleh\s*(.+)", text).group(1)
    assert d.disahkan_oleh.jabatan in signed and d.disahkan_oleh.nama in signed
    assert f"NIP. {d.disahkan_oleh.nip}" in signed
    for item in (*d.dasar_hukum, *d.kualifikasi_pelaksana, *d.keterkaitan, *d.peralatan, *d.pencatatan):
        assert item in flat, item
    assert len(d.dasar_hukum) == 3 and len(d.peralatan) == 3 and d.peringatan == ()
    assert re.search(r"PERINGATAN :\s*(PENCATATAN|\t)", text)  # Peringatan is empty in the seed


@pytest.mark.parametrize("kode", ["lakip", "lkjip"])
def test_lanes_decisions_and_forms(kode):
    d = load_definition_file(f"plugins/lkjip/{kode}_tanjabbar.toml")
    assert [k for k, _ in d.pelaksana] == ["kepala_dinas", "sekretaris", "kasubbag_ppmep", "staf_ppmep", "bidang"]
    assert [s.actor for s in d.steps] == ["kepala_dinas", "sekretaris", "staf_ppmep", "kasubbag_ppmep", "kasubbag_ppmep",
                                          "staf_ppmep", "kasubbag_ppmep", "sekretaris", "kepala_dinas", "staf_ppmep"]
    assert [s.no for s in d.steps if s.decision == 6] == [7, 8, 9]
    assert {s.no: s.form for s in d.steps if s.form} == {3: "capaian", 4: "anggaran", 5: "narasi", 6: "narasi"}
    assert d.step(6).optional is (kode == "lkjip")  # "apabila masih perlu perbaikan"
    assert [doc.key for doc in d.documents] == ["laporan"] and d.documents[0].docx


def test_cli_export_lists_both_with_the_seed_steps(app):
    import json

    data = {d["id"]: d for d in json.loads(app.test_cli_runner().invoke(args=["sop", "export", "--json"]).output)}
    for kode, nomor in CASES:
        exported = data[f"{kode}_tanjabbar"]
        assert exported["nomor"] == nomor and exported["disahkan_oleh"]["nip"] == "19700930 199703 1 003"
        assert [(s["no"], s["kegiatan"], s["kelengkapan"], s["waktu"], s["output"], s["keterangan"])
                for s in exported["steps"]] == seed_steps(nomor)
