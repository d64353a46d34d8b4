"""The IKU plugin's two definitions against their seeds: the Jawa Barat table of seed 001
(before the Cascading identity sheet; no identity sheet of its own) and the Tanjung Jabung
Barat SOP of seed 003 (identity sheet before its table)."""
import re

from portal.sop import load_definition_file
from tests.seeds import seed_text, squash

JABAR = "plugins/iku/sop_jabar.toml"
TANJABBAR = "plugins/iku/sop_tanjabbar.toml"
MONTHS = {"Januari": 1, "Februari": 2, "Maret": 3, "April": 4, "Mei": 5, "Juni": 6, "Juli": 7, "Agustus": 8,
          "September": 9, "Oktober": 10, "November": 11, "Desember": 12}


def table_rows(text: str) -> list[dict]:
    """The step rows of a seed table: No, Kegiatan, empty lane cells, Kelengkapan, Waktu, Output, Keterangan."""
    rows = []
    for line in text.splitlines():
        match = re.match(r"^(\d+)\.?\t", line)
        if not match:
            continue
        cells = line.split("\t")
        rows.append({"no": int(match.group(1)), "kegiatan": squash(cells[1]), "kelengkapan": squash(cells[-4]),
                     "waktu": squash(cells[-3]), "output": squash(cells[-2]), "keterangan": squash(cells[-1])})
    return rows


def jabar_table() -> str:
    """Seed 001 up to the identity sheet that follows the IKU table."""
    text = seed_text(1)
    assert "SOP PENYUSUNAN INDIKATOR KINERJA UTAMA (IKU)" in text
    return text.split("PEMERINTAH DAERAH PROVINSI JAWA BARAT")[0]


def tanjabbar_parts() -> tuple[str, str]:
    """(identity sheet, step table) of the first SOP of seed 003."""
    text = seed_text(3)
    first = text.split("Nomor SOP\t: 503 / 2022")[0]  # the Renja sheet starts the next SOP
    identity, table = first.split("Standar Operasional Prosedur Penyusunan IKU")
    return identity, table.rsplit("DINAS PENANAMAN MODAL", 1)[0]


def steps_of(definition) -> list[dict]:
    return [{"no": s.no, "kegiatan": squash(s.kegiatan), "kelengkapan": squash(s.kelengkapan), "waktu": s.waktu.text,
             "output": squash(s.output), "keterangan": squash(s.keterangan)} for s in definition.steps]


def test_jabar_steps_equal_seed_001():
    seed = table_rows(jabar_table())
    definition = load_definition_file(JABAR)
    assert len(seed) == 11 and len(definition.steps) == 11
    assert steps_of(definition) == seed
    assert [(s.no, s.waktu.text, s.output) for s in definition.steps] == [(r["no"], r["waktu"], r["output"]) for r in seed]


def test_jabar_lanes_bappeda_desk_and_decisions():
    definition = load_definition_file(JABAR)
    header = next(line for line in jabar_table().splitlines() if line.startswith("No\t"))
    lanes = [c for c in header.split("\t")[2:] if c and c not in ("Mutu Baku", "Ket")]
    assert [label for _, label in definition.pelaksana] == lanes  # the seed's columns, in order
    assert (definition.id, definition.kode) == ("iku_jabar", "iku")
    assert definition.step(6).pelaksana == ("tim_perencanaan", "bappeda")
    assert definition.step(7).actor == "bappeda" and definition.step(7).form == "berita_acara"
    assert definition.step(5).decision == 4 and definition.step(11).handover and definition.step(11).receiver == "bappeda"
    assert [s.no for s in definition.steps if s.form == "iku"] == [4, 8]
    assert {d.key for d in definition.documents} == {"iku", "berita_acara"}


def test_jabar_identity_unknown_not_invented():
    definition = load_definition_file(JABAR)
    assert definition.nomor == "-" and definition.nama == "Penyusunan Indikator Kinerja Utama (IKU)"
    assert definition.tanggal_pembuatan == definition.tanggal_revisi == definition.tanggal_efektif == ""
    assert (definition.disahkan_oleh.jabatan, definition.disahkan_oleh.nama, definition.disahkan_oleh.nip) == ("", "", "")
    for field in ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan", "peringatan", "pencatatan"):
        assert not getattr(definition, field), field
    # the only identity sheet of seed 001 is the Cascading's, and none of it leaked in
    assert "62/ 45" in seed_text(1) and "45" not in definition.nomor


def test_tanjabbar_steps_equal_seed_003():
    _, table = tanjabbar_parts()
    seed = table_rows(table)
    definition = load_definition_file(TANJABBAR)
    assert len(seed) == 9 and len(definition.steps) == 9
    assert steps_of(definition) == seed
    assert definition.step(5).decision == 4  # "Jika tidak, diserahkan ke staf untuk diperbaiki"
    assert definition.step(4).actor == "staf" and definition.step(6).actor == "perencana"
    header = next(line for line in table.splitlines() if line.startswith("No\t"))
    assert [label for _, label in definition.pelaksana] == ["Kepala Dinas"] + [
        c for c in next(line for line in table.splitlines() if line.startswith("\t\t\tSekretaris")).split("\t") if c][:4]
    assert "Kepala Dinas" in header


def _numbered(block: str) -> list[str]:
    return [squash(m) for m in re.findall(r"^\d+\. (.+)$", block, flags=re.M)]


def _section(identity: str, start: str, end: str) -> str:
    return identity.split(start, 1)[1].split(end, 1)[0]


def _iso(text: str) -> str:
    day, month, year = squash(text).split(" ")
    return f"{int(year):04d}-{MONTHS[month]:02d}-{int(day):02d}"


def test_tanjabbar_identity_sheet_as_printed():
    identity, _ = tanjabbar_parts()
    definition = load_definition_file(TANJABBAR)
    field = lambda label: squash(re.search(rf"^{label}\s*:(.*)$", identity, flags=re.M).group(1))  # noqa: E731
    assert definition.nomor == field("Nomor SOP") == "503 / 2021 / DPM PTSP"
    assert definition.tanggal_pembuatan == _iso(field("Tgl Pembuatan")) == "2022-01-04"
    assert definition.tanggal_revisi == field("Tgl Revisi") == ""
    assert definition.tanggal_efektif == _iso(field("Tgl Pengesahan"))
    assert definition.nama == field("Nama SOP")
    signer = squash(_section(identity, "Disahkan Oleh", "Nama SOP"))
    assert definition.disahkan_oleh.jabatan == signer
    assert definition.disahkan_oleh.nama == definition.disahkan_oleh.nip == ""  # not printed on this sheet
    assert "NIP" not in signer
    assert list(definition.dasar_hukum) == _numbered(_section(identity, "Dasar Hukum :", "Kualifikasi Pelaksana"))
    assert list(definition.kualifikasi_pelaksana) == _numbered(_section(identity, "Kualifikasi Pelaksana :", "Keterkaitan"))
    assert list(definition.keterkaitan) == _numbered(_section(identity, "Keterkaitan :", "Peralatan"))
    assert list(definition.peralatan) == _numbered(_section(identity, "Peralatan/ Perlengkapan :", "PERINGATAN"))
    assert squash(_section(identity, "PERINGATAN :", "PENCATATAN")) == "" and not definition.peringatan
    assert list(definition.pencatatan) == [squash(identity.split("PENCATATAN DAN PENDATAAN :", 1)[1])]
    assert len(definition.dasar_hukum) == 3 and len(definition.peralatan) == 3


def test_both_share_the_iku_form_with_the_chain_keys():
    keys = ["sasaran", "indikator", "definisi", "alasan", "satuan", "target", "arah", "sumber_data", "penanggung_jawab"]
    for path in (JABAR, TANJABBAR):
        definition = load_definition_file(path)
        spec = definition.form("iku")
        assert spec.kind == "tabel" and [c.key for c in spec.columns] == keys
        columns = {c.key: c for c in spec.columns}
        assert columns["target"].type == "angka" and columns["arah"].choices == ["naik", "turun"]
        assert definition.document("iku").orientation == "lanskap"
