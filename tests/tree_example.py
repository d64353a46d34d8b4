"""A small tree form used by the tree tests (a test definition, not an SOP plugin):
tujuan -> sasaran -> program, each node with typed fields."""

TREE_FORM = {
    "kunci": "pohon_kinerja", "judul": "Pohon kinerja", "jenis": "pohon",
    "tingkat": [
        {"kunci": "tujuan", "judul": "Tujuan", "isian": [
            {"kunci": "uraian", "judul": "Uraian tujuan", "wajib": True},
            {"kunci": "indikator", "judul": "Indikator"}]},
        {"kunci": "sasaran", "judul": "Sasaran", "isian": [
            {"kunci": "uraian", "judul": "Uraian sasaran", "wajib": True},
            {"kunci": "indikator", "judul": "Indikator"},
            {"kunci": "target", "judul": "Target", "tipe": "angka", "min": 0},
            {"kunci": "satuan", "judul": "Satuan", "lebar": 8}]},
        {"kunci": "program", "judul": "Program", "isian": [
            {"kunci": "uraian", "judul": "Uraian program", "wajib": True},
            {"kunci": "pagu", "judul": "Pagu", "tipe": "rupiah"},
            {"kunci": "unit_pj", "judul": "Penanggung jawab unit", "tipe": "pilihan", "pilihan": ["Bidang I", "Bidang II"]}]},
    ],
}

TREE_TOML = """
[identitas]
id = "pohon_uji"
kode = "pohon_uji"
versi = "1"
nomor = "1/POHON/2026"
agency = "Dinas Uji"
nama = "Pohon kinerja uji"
[pelaksana]
tim_perencanaan = "Tim Perencanaan"
[[langkah]]
no = 1
kegiatan = "Menyusun pohon kinerja"
pelaksana = "tim_perencanaan"
waktu = "1 Hari"
output = "Pohon kinerja"
formulir = "pohon_kinerja"
[[formulir]]
kunci = "pohon_kinerja"
judul = "Pohon kinerja"
jenis = "pohon"
  [[formulir.tingkat]]
  kunci = "tujuan"
  judul = "Tujuan"
    [[formulir.tingkat.isian]]
    kunci = "uraian"
    judul = "Uraian tujuan"
    wajib = true
    [[formulir.tingkat.isian]]
    kunci = "indikator"
    judul = "Indikator"
  [[formulir.tingkat]]
  kunci = "sasaran"
  judul = "Sasaran"
    [[formulir.tingkat.isian]]
    kunci = "uraian"
    judul = "Uraian sasaran"
    wajib = true
    [[formulir.tingkat.isian]]
    kunci = "indikator"
    judul = "Indikator"
    [[formulir.tingkat.isian]]
    kunci = "target"
    judul = "Target"
    tipe = "angka"
    min = 0
    [[formulir.tingkat.isian]]
    kunci = "satuan"
    judul = "Satuan"
  [[formulir.tingkat]]
  kunci = "program"
  judul = "Program"
    [[formulir.tingkat.isian]]
    kunci = "uraian"
    judul = "Uraian program"
    wajib = true
    [[formulir.tingkat.isian]]
    kunci = "pagu"
    judul = "Pagu"
    tipe = "rupiah"
    [[formulir.tingkat.isian]]
    kunci = "unit_pj"
    judul = "Penanggung jawab unit"
    tipe = "pilihan"
    pilihan = "unit"
"""
