"""The declarative parts of a definition file: ``[[formulir]]`` and ``[[dokumen]]``.

pydantic v2 models with English attribute names and the Indonesian TOML keys as aliases;
unknown keys are refused. They are frozen so a loaded definition can be shared.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from portal.forms.formula import Formula, FormulaError

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
FIELD_TYPES = ("teks", "teks_panjang", "angka", "persen", "rupiah", "tanggal", "tahun", "nip", "pilihan", "berkas")
NUMERIC_TYPES = ("angka", "persen", "rupiah", "tahun")
DYNAMIC_CHOICES = ("unit", "pengguna", "peran")
RESERVED_KEYS = {"entri", "baris", "anak", "id", "tingkat"}


class Strict(BaseModel):
    """Base: Indonesian aliases, English names also accepted, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Source(Strict):
    """Where a form is prefilled from: the latest finished run of another SOP."""

    sop: str = Field(description="kode SOP sumber, mis. cascading")
    form: str = Field(alias="formulir", description="kunci formulir di SOP sumber")
    year_offset: int = Field(0, alias="selisih_tahun", ge=-10, le=10,
                             description="tahun sumber relatif terhadap tahun pelaksanaan, mis. -1: tahun sebelumnya")


class ColumnSource(Strict):
    """Where one table column is prefilled from: a column of another SOP's latest record."""

    sop: str | list[str] = Field(description="kode SOP sumber, atau daftar kode (yang paling akhir selesai dipakai)")
    form: str = Field(alias="formulir", description="kunci formulir di SOP sumber")
    table: str | None = Field(None, alias="tabel", pattern=KEY_PATTERN,
                              description="tabel di formulir sumber (kosong: formulir jenis tabel)")
    column: str | None = Field(None, alias="kolom", pattern=r"^[a-z][a-z0-9_{}]*$",
                               description="kolom sumber (kosong: kunci yang sama); dengan periode boleh memakai {ke} dan {ke_berikut}")
    match: str | None = Field(None, alias="cocok", pattern=KEY_PATTERN,
                              description="baris dicocokkan lewat kolom ini (mis. indikator), bukan urutan")
    year_offset: int = Field(0, alias="tahun", ge=-10, le=0,
                             description="tahun sumber relatif terhadap tahun pelaksanaan: 0, -1 (tahun lalu), ...")
    period: list[str] | None = Field(None, alias="periode", min_length=2, max_length=2,
                                     description="[awal, akhir]: rekaman yang periodenya mencakup tahun pelaksanaan")
    entry: int | None = Field(None, alias="entri", ge=1, description="formulir berulang: hanya entri ke-n (mis. 1)")
    unique: bool = Field(False, alias="unik", description="nilai yang sama hanya sekali (mis. daftar sasaran)")
    level: str | None = Field(None, alias="tingkat", pattern=KEY_PATTERN,
                              description="formulir sumber jenis pohon: simpul tingkat ini (urut dokumen) menjadi baris")

    @property
    def kodes(self) -> tuple[str, ...]:
        """The source SOP kode(s) as a tuple."""
        return (self.sop,) if isinstance(self.sop, str) else tuple(self.sop)

    @property
    def label(self) -> str:
        """The source SOP kode(s) for messages, e.g. "LKJIP/LAKIP"."""
        return "/".join(k.upper() for k in self.kodes)

    @model_validator(mode="after")
    def _one_year_rule(self) -> "ColumnSource":
        if not self.kodes:
            raise ValueError("sop tidak boleh kosong")
        if self.period and self.year_offset:
            raise ValueError('"tahun" dan "periode" tidak dapat dipakai bersama')
        if self.match and self.unique:
            raise ValueError('"cocok" dan "unik" tidak dapat dipakai bersama')
        return self

    @model_validator(mode="after")
    def _one_place(self) -> "ColumnSource":
        if self.level is not None and self.table is not None:
            raise ValueError("sumber kolom: pakai tabel atau tingkat, tidak keduanya")
        return self

    @model_validator(mode="after")
    def _placeholders(self) -> "ColumnSource":
        import re

        if self.column is not None:
            plain = self.column.replace("{ke_berikut}", "1").replace("{ke}", "1")
            if not re.match(KEY_PATTERN, plain):
                raise ValueError(f'kolom "{self.column}": hanya huruf kecil, angka, garis bawah, {{ke}} dan {{ke_berikut}}')
            if plain != self.column and self.period is None:
                raise ValueError(f'kolom "{self.column}": {{ke}} dan {{ke_berikut}} hanya bersama periode')
        for key in self.period or ():
            if not re.match(KEY_PATTERN, key):
                raise ValueError(f'periode "{key}": hanya huruf kecil, angka dan garis bawah, diawali huruf')
        return self


class Branches(Strict):
    """``cabang``: on a fan-out step each unit edits only its own branches of a tree."""

    level: str = Field(alias="tingkat", pattern=KEY_PATTERN, description="tingkat akar cabang, mis. sasaran")
    field: str = Field(alias="isian", pattern=KEY_PATTERN,
                       description='isian tingkat itu yang bertipe pilihan = "unit" (unit pemilik cabang)')


class FieldSpec(Strict):
    """A field of an ``isian`` form, or a column of a table."""

    key: str = Field(alias="kunci", pattern=KEY_PATTERN)
    title: str = Field(alias="judul")
    type: Literal[FIELD_TYPES] = Field("teks", alias="tipe")  # type: ignore[valid-type]
    required: bool = Field(False, alias="wajib")
    min: float | None = None
    max: float | None = None
    choices: list[str] | Literal[DYNAMIC_CHOICES] | None = Field(None, alias="pilihan")  # type: ignore[valid-type]
    formula: str | None = Field(None, alias="rumus", description="kolom terhitung, mis. persen_capaian(target, realisasi, arah)")
    help: str = Field("", alias="petunjuk")
    width: int | None = Field(None, alias="lebar", ge=2, le=80)
    source: ColumnSource | None = Field(None, alias="sumber", description="kolom tabel: diisi awal dari SOP lain")
    suggest: ColumnSource | None = Field(None, alias="saran",
                                         description="teks: saran isian (datalist) dari kolom/tingkat rekaman SOP lain tahun yang sama")
    required_with: str | None = Field(None, alias="wajib_bila", pattern=KEY_PATTERN,
                                      description="wajib diisi bila isian/kolom ini diisi (mis. pagu bila realisasi)")

    @field_validator("key")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_KEYS:
            raise ValueError(f'kunci "{value}" dipakai sistem; pilih nama lain')
        return value

    @field_validator("formula")
    @classmethod
    def _formula(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Formula(value)
            except FormulaError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _choices(self) -> "FieldSpec":
        if self.type == "pilihan" and not self.choices:
            raise ValueError('tipe "pilihan" memerlukan "pilihan" (daftar, atau "unit", "pengguna", "peran")')
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min lebih besar dari max")
        if self.source is not None and self.computed:
            raise ValueError("kolom terhitung (rumus) tidak dapat memakai sumber")
        if self.suggest is not None and (self.type != "teks" or self.computed):
            raise ValueError('saran hanya untuk isian bertipe "teks"')
        return self

    @property
    def computed(self) -> bool:
        """True for a computed column (``rumus``)."""
        return self.formula is not None

    @property
    def numeric(self) -> bool:
        """True when values are stored as numbers."""
        return self.type in NUMERIC_TYPES


def _no_column_source(fields: list[FieldSpec], where: str) -> None:
    for field in fields:
        if field.source is not None:
            raise ValueError(f"{where} {field.key}: sumber per kolom hanya untuk kolom tabel")


def _check_formulas(fields: list[FieldSpec], where: str) -> None:
    keys = {f.key for f in fields}
    for field in fields:
        if field.required_with and (field.required_with not in keys or field.required_with == field.key):
            raise ValueError(f'{where} {field.key}: wajib_bila "{field.required_with}" bukan kolom/isian lain')
        if field.formula:
            unknown = Formula(field.formula).names - keys
            if unknown:
                raise ValueError(f'{where} {field.key}: rumus memakai "{", ".join(sorted(unknown))}" yang bukan kolom/isian')


class TableSpec(Strict):
    """A table inside an ``isian`` form (e.g. the sasaran table of an agreement)."""

    key: str = Field(alias="kunci", pattern=KEY_PATTERN)
    title: str = Field(alias="judul")
    columns: list[FieldSpec] = Field(alias="kolom", min_length=1)
    min_rows: int = Field(0, alias="min_baris", ge=0)
    max_rows: int = Field(200, alias="max_baris", ge=1, le=1000)

    @model_validator(mode="after")
    def _valid(self) -> "TableSpec":
        _check_formulas(self.columns, "kolom")
        if self.min_rows > self.max_rows:
            raise ValueError("min_baris lebih besar dari max_baris")
        return self


class LevelSpec(Strict):
    """A level of a tree form (tujuan -> sasaran -> program -> ...)."""

    key: str = Field(alias="kunci", pattern=KEY_PATTERN)
    title: str = Field(alias="judul")
    fields: list[FieldSpec] = Field(alias="isian", min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> "LevelSpec":
        keys = [f.key for f in self.fields]
        if len(keys) != len(set(keys)):
            raise ValueError(f"tingkat {self.key}: kunci isian dipakai lebih dari sekali")
        _check_formulas(self.fields, f"tingkat {self.key}, isian")
        _no_column_source(self.fields, f"tingkat {self.key}, isian")
        if self.fields[0].computed:
            raise ValueError(f"tingkat {self.key}: isian pertama (nama simpul) tidak boleh terhitung")
        return self


class FormSpec(Strict):
    """A ``[[formulir]]``: ``isian`` (fields and tables), ``tabel`` (rows) or ``pohon`` (a tree)."""

    key: str = Field(alias="kunci", pattern=KEY_PATTERN)
    title: str = Field(alias="judul")
    kind: Literal["isian", "tabel", "pohon"] = Field(alias="jenis")
    description: str = Field("", alias="keterangan")
    fields: list[FieldSpec] = Field(default_factory=list, alias="isian")
    tables: list[TableSpec] = Field(default_factory=list, alias="tabel")
    columns: list[FieldSpec] = Field(default_factory=list, alias="kolom")
    min_rows: int = Field(0, alias="min_baris", ge=0)
    max_rows: int = Field(200, alias="max_baris", ge=1, le=1000)
    repeat: bool = Field(False, alias="berulang", description="isian: satu atau lebih entri (mis. satu per perjanjian)")
    entry_label: str = Field("Entri", alias="label_entri")
    min_entries: int = Field(1, alias="min_entri", ge=0)
    max_entries: int = Field(50, alias="max_entri", ge=1, le=200)
    levels: list[LevelSpec] = Field(default_factory=list, alias="tingkat",
                                    description="pohon: tingkat dari akar ke daun, mis. tujuan, sasaran, program")
    min_nodes: int = Field(1, alias="min_simpul", ge=0)
    max_nodes: int = Field(300, alias="max_simpul", ge=1, le=2000)
    source: Source | None = Field(None, alias="sumber")
    branches: Branches | None = Field(None, alias="cabang",
                                      description="pohon: pada langkah fan-out tiap unit mengisi cabangnya sendiri")
    row_key: str | None = Field(None, alias="kunci_baris", pattern=KEY_PATTERN,
                                description="tabel: kolom pengenal baris; dua baris dengan nilai sama ditolak")
    unit_filter: str | None = Field(None, alias="saring_unit", pattern=KEY_PATTERN,
                                    description='tabel: kolom pilihan "unit"; di langkah fan-out tiap unit hanya mengisi barisnya')

    @model_validator(mode="after")
    def _shape(self) -> "FormSpec":
        if self.kind == "tabel":
            if not self.columns or self.fields or self.tables:
                raise ValueError('jenis "tabel" memakai [[formulir.kolom]] saja')
            _check_formulas(self.columns, "kolom")
            if self.min_rows > self.max_rows:
                raise ValueError("min_baris lebih besar dari max_baris")
        elif self.kind == "isian":
            if not (self.fields or self.tables) or self.columns:
                raise ValueError('jenis "isian" memakai [[formulir.isian]] dan/atau [[formulir.tabel]]')
            _check_formulas(self.fields, "isian")
            _no_column_source(self.fields, "isian")
            keys = [f.key for f in self.fields] + [t.key for t in self.tables]
            if len(keys) != len(set(keys)):
                raise ValueError("kunci isian/tabel dipakai lebih dari sekali")
        else:
            if not self.levels or self.fields or self.tables or self.columns:
                raise ValueError('jenis "pohon" memakai [[formulir.tingkat]] (dengan [[formulir.tingkat.isian]]) saja')
            keys = [level.key for level in self.levels]
            if len(keys) != len(set(keys)):
                raise ValueError("kunci tingkat dipakai lebih dari sekali")
            if self.min_nodes > self.max_nodes:
                raise ValueError("min_simpul lebih besar dari max_simpul")
            if self.branches is not None:
                self._check_branches()
        if self.kind != "pohon" and self.levels:
            raise ValueError('[[formulir.tingkat]] hanya untuk jenis "pohon"')
        if self.kind != "pohon" and self.branches is not None:
            raise ValueError('cabang hanya untuk jenis "pohon"')
        self._check_row_keys()
        return self

    def _check_branches(self) -> None:
        level = self.level(self.branches.level)
        if level is None:
            raise ValueError(f'cabang: tingkat "{self.branches.level}" tidak ada di formulir ini')
        field = next((f for f in level.fields if f.key == self.branches.field), None)
        if field is None or field.type != "pilihan" or field.choices != "unit":
            raise ValueError(f'cabang: isian "{self.branches.field}" di tingkat {level.key} harus bertipe pilihan = "unit"')

    def _check_row_keys(self) -> None:
        """``kunci_baris`` and ``saring_unit`` name columns of a ``tabel`` form (see portal.forms.per_unit)."""
        if self.row_key is None and self.unit_filter is None:
            return
        if self.kind != "tabel":
            raise ValueError('kunci_baris dan saring_unit hanya untuk jenis "tabel"')
        columns = {c.key: c for c in self.columns}
        if self.row_key is not None and (self.row_key not in columns or columns[self.row_key].computed):
            raise ValueError(f'kunci_baris "{self.row_key}" bukan kolom isian formulir ini')
        if self.unit_filter is not None:
            column = columns.get(self.unit_filter)
            if column is None or column.type != "pilihan" or column.choices != "unit":
                raise ValueError(f'saring_unit "{self.unit_filter}" harus kolom bertipe pilihan dengan pilihan = "unit"')
            if self.row_key is None:
                raise ValueError("saring_unit memerlukan kunci_baris (baris tiap unit digabung menurut kolom itu)")

    def column_sources(self):
        """(table key or None for a ``tabel`` form, column) of every column with a ``sumber``."""
        found = [(None, c) for c in self.columns if c.source is not None]
        for table in self.tables:
            found.extend((table.key, c) for c in table.columns if c.source is not None)
        return found

    def level(self, key: str) -> LevelSpec | None:
        """The tree level named ``key`` (None when unknown)."""
        return next((level for level in self.levels if level.key == key), None)

    def all_fields(self) -> list[FieldSpec]:
        """Every field and column of the form (for type checks and sample data)."""
        result = list(self.fields) + list(self.columns)
        for table in self.tables:
            result.extend(table.columns)
        for level in self.levels:
            result.extend(level.fields)
        return result


class DocumentSpec(Strict):
    """A ``[[dokumen]]``: an official document printed from the run's forms."""

    key: str = Field(alias="kunci", pattern=KEY_PATTERN)
    title: str = Field(alias="judul")
    template: str = Field(description="templat plugin, mis. pk/dokumen_pk.html")
    orientation: Literal["potret", "lanskap"] = Field("potret", alias="orientasi")
    filename: str = Field("{kunci}-{tahun}-{run}.pdf", alias="nama_berkas",
                          description="pola nama berkas: {kunci}, {tahun}, {run}, {kode}")
    available_from: int | None = Field(None, alias="tersedia_dari", ge=1)
    final_after: int | None = Field(None, alias="final_setelah", ge=1)
    docx: bool = Field(False, description="juga sebagai DOCX yang dapat disunting (dari HTML yang sama)")

    @field_validator("filename")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            value.format(kunci="k", tahun=2026, run=1, kode="x")
        except (KeyError, IndexError, ValueError):
            raise ValueError("pola nama_berkas hanya boleh memakai {kunci}, {tahun}, {run}, {kode}") from None
        return value

    def file_name(self, run) -> str:
        """The archived file name of this document for ``run``."""
        name = self.filename.format(kunci=self.key, tahun=run.tahun, run=run.id, kode=run.sop_kode)
        return name if name.lower().endswith(".pdf") else name + ".pdf"


__all__ = ["ColumnSource", "FieldSpec", "TableSpec", "FormSpec", "LevelSpec", "DocumentSpec", "Source", "Branches", "FIELD_TYPES"]
