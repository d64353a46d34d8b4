"""Validation of raw SOP definition data into a ``SopDefinition``.

Every problem names the file, the step and the field, in Indonesian, so IT staff can
fix a plugin from the message on the "Plugin" admin page alone.
"""
from __future__ import annotations

from typing import Any

from portal.sop import (
    _KEY_RE, DefinitionError, Signatory, SopDefinition, Step, date_text, parse_waktu, text_list,
)

IDENTITY_REQUIRED = ("kode", "versi", "nomor", "agency", "nama")
STEP_REQUIRED = ("no", "kegiatan", "pelaksana", "waktu", "output")
STEP_KNOWN = set(STEP_REQUIRED) | {
    "kelengkapan", "keterangan", "kembali_ke", "label_tolak", "opsional", "fan_out",
    "serah_terima", "penerima", "formulir", "pemeriksa_berbeda", "berkas_wajib",
}


class Validator:
    """Collects problems while building a definition; raises them all at once."""

    def __init__(self, raw: dict[str, Any], source: str, plugin: str):
        self.raw = raw
        self.source = source
        self.plugin = plugin
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        """Record one problem at ``where`` (e.g. 'langkah 3, field waktu')."""
        self.problems.append(f"{where}: {message}")

    def build(self) -> SopDefinition:
        """Validate everything and return the definition, or raise DefinitionError."""
        from portal.definition_schema import schema_problems

        model, problems = schema_problems(self.raw)
        if problems:
            raise DefinitionError(self.source, problems)
        ident = self.raw.get("identitas")
        if not isinstance(ident, dict):
            self.problem("identitas", "bagian [identitas] tidak ada")
            ident = {}
        for key in IDENTITY_REQUIRED:
            if not str(ident.get(key, "")).strip():
                self.problem(f"identitas, field {key}", "wajib diisi")
        kode = str(ident.get("kode", ""))
        sop_id = str(ident.get("id", kode))
        for key, value in (("kode", kode), ("id", sop_id)):
            if value and not _KEY_RE.match(value):
                self.problem(f"identitas, field {key}", f'"{value}" hanya boleh huruf kecil, angka dan garis bawah')
        lanes = self._lanes()
        steps = self._steps(dict(lanes))
        self._forms_and_documents(model, {s.no for s in steps})
        self._demo_runs(model, {s.no: s for s in steps})
        if self.problems:
            raise DefinitionError(self.source, self.problems)
        signer = ident.get("disahkan_oleh") or {}
        return SopDefinition(
            id=sop_id,
            kode=kode,
            versi=str(ident["versi"]),
            nomor=str(ident["nomor"]),
            agency=str(ident["agency"]),
            nama=str(ident["nama"]),
            pemerintah=str(ident.get("pemerintah", "")),
            tanggal_pembuatan=date_text(ident.get("tanggal_pembuatan")),
            tanggal_revisi=date_text(ident.get("tanggal_revisi")),
            tanggal_efektif=date_text(ident.get("tanggal_efektif")),
            disahkan_oleh=Signatory(**{k: str(signer.get(k, "")) for k in ("jabatan", "nama", "nip")}),
            dasar_hukum=text_list(ident.get("dasar_hukum")),
            kualifikasi_pelaksana=text_list(ident.get("kualifikasi_pelaksana")),
            keterkaitan=text_list(ident.get("keterkaitan")),
            peralatan=text_list(ident.get("peralatan")),
            peringatan=text_list(ident.get("peringatan")),
            pencatatan=text_list(ident.get("pencatatan")),
            pelaksana=tuple(lanes),
            steps=tuple(steps),
            source=self.source,
            plugin=self.plugin,
            forms=tuple(model.formulir),
            documents=tuple(model.dokumen),
            per_unit_lanes=tuple(k for k, v in model.pelaksana.items() if not isinstance(v, str) and v.per_unit),
            designed_steps=bool(ident.get("langkah_dirancang")),
            demo_runs=tuple(model.contoh),
        )

    def _forms_and_documents(self, model, numbers: set[int]) -> None:
        """Keys unique; documents name existing steps."""
        for section, items in (("formulir", model.formulir), ("dokumen", model.dokumen)):
            keys = [item.key for item in items]
            for key in sorted({k for k in keys if keys.count(k) > 1}):
                self.problem(f"{section} {key}, field kunci", f'kunci "{key}" dipakai lebih dari sekali')
        for doc in model.dokumen:
            for field, no in (("tersedia_dari", doc.available_from), ("final_setelah", doc.final_after)):
                if no is not None and no not in numbers:
                    self.problem(f"dokumen {doc.key}, field {field}", f"langkah {no} tidak ada")

    def _demo_runs(self, model, steps: dict[int, Step]) -> None:
        """``[[contoh]]`` names existing steps, decisions for ``kembali``, declared forms and files that exist."""
        from pathlib import Path

        forms = {f.key for f in model.formulir}
        for index, demo in enumerate(model.contoh, start=1):
            where = f"contoh ke-{index}"
            if demo.sampai_langkah is not None and demo.sampai_langkah not in steps:
                self.problem(f"{where}, field sampai_langkah", f"langkah {demo.sampai_langkah} tidak ada")
            for no in demo.kembali:
                if no not in steps or steps[no].decision is None:
                    self.problem(f"{where}, field kembali", f"langkah {no} tidak ada atau tidak punya kembali_ke")
            for key, name in demo.data.items():
                if key not in forms:
                    self.problem(f"{where}, field data", f'formulir "{key}" tidak dideklarasikan')
                if self.source.startswith("<") or not (Path(self.source).parent / name).is_file():
                    self.problem(f"{where}, field data", f"berkas {name!r} tidak ada di samping definisi")

    def _lanes(self) -> list[tuple[str, str]]:
        lanes = self.raw.get("pelaksana")
        if not isinstance(lanes, dict) or not lanes:
            self.problem("pelaksana", "bagian [pelaksana] tidak ada atau kosong")
            return []
        result = []
        for key, label in lanes.items():
            if not _KEY_RE.match(key):
                self.problem(f"pelaksana, field {key}", "kunci peran hanya boleh huruf kecil, angka dan garis bawah")
            result.append((key, str(label["label"] if isinstance(label, dict) else label)))
        return result

    def _steps(self, lanes: dict[str, str]) -> list[Step]:
        raw_steps = self.raw.get("langkah")
        if not isinstance(raw_steps, list) or not raw_steps:
            self.problem("langkah", "tidak ada [[langkah]]")
            return []
        numbers = [s.get("no") for s in raw_steps if isinstance(s, dict)]
        steps = []
        for index, raw in enumerate(raw_steps, start=1):
            step = self._step(index, raw, lanes, numbers)
            if step:
                steps.append(step)
        return steps

    def _step(self, index: int, raw: dict[str, Any], lanes: dict[str, str], numbers: list) -> Step | None:
        label = f"langkah {raw.get('no', f'ke-{index}')}"
        before = len(self.problems)
        for key in STEP_REQUIRED:
            if key not in raw or raw[key] in ("", []):
                self.problem(f"{label}, field {key}", "wajib diisi")
        for key in sorted(set(raw) - STEP_KNOWN):
            self.problem(f"{label}, field {key}", "field tidak dikenal")
        no = raw.get("no")
        if "no" in raw and (not isinstance(no, int) or no <= 0):
            self.problem(f"{label}, field no", "harus bilangan bulat positif")
        elif numbers.count(no) > 1:
            self.problem(f"{label}, field no", f"nomor {no} dipakai lebih dari satu langkah")
        pelaksana = text_list(raw.get("pelaksana"))
        for key in pelaksana:
            if key not in lanes:
                self.problem(f"{label}, field pelaksana", f'pelaksana "{key}" tidak ada di bagian [pelaksana]')
        waktu = None
        if raw.get("waktu"):
            try:
                waktu = parse_waktu(str(raw["waktu"]))
            except ValueError as exc:
                self.problem(f"{label}, field waktu", str(exc))
        decision = raw.get("kembali_ke")
        if decision is not None and (decision not in numbers or decision == no):
            self.problem(f"{label}, field kembali_ke", f"langkah {decision} tidak ada (atau sama dengan langkah ini)")
        reject_label = str(raw.get("label_tolak", "Kembalikan"))
        if reject_label not in ("Kembalikan", "Tolak"):
            self.problem(f"{label}, field label_tolak", 'harus "Kembalikan" atau "Tolak"')
        receiver = raw.get("penerima")
        if receiver is not None and receiver not in lanes:
            self.problem(f"{label}, field penerima", f'pelaksana "{receiver}" tidak ada di bagian [pelaksana]')
        if len(self.problems) > before:
            return None
        output = str(raw["output"])
        return Step(
            no=no,
            kegiatan=str(raw["kegiatan"]),
            pelaksana=pelaksana,
            kelengkapan=str(raw.get("kelengkapan", "")),
            waktu=waktu,
            output=output,
            keterangan=str(raw.get("keterangan", "")),
            decision=decision,
            reject_label=reject_label,
            optional=bool(raw.get("opsional", False)),
            fan_out=bool(raw.get("fan_out", False)),
            handover=bool(raw.get("serah_terima", output.lower().startswith("tanda terima"))),
            receiver=receiver,
            form=raw.get("formulir"),
            **self.issue10_keys(raw, label),
        )

    def issue10_keys(self, raw: dict[str, Any], label: str) -> dict[str, Any]:
        """``pemeriksa_berbeda`` (bool, default true) and ``berkas_wajib`` (true or a count, default none)."""
        checker = raw.get("pemeriksa_berbeda", True)
        if not isinstance(checker, bool):
            self.problem(f"{label}, field pemeriksa_berbeda", "harus true atau false")
            checker = True
        evidence = raw.get("berkas_wajib", 0)
        if isinstance(evidence, bool):
            evidence = int(evidence)
        elif not isinstance(evidence, int) or not 0 <= evidence <= 20:
            self.problem(f"{label}, field berkas_wajib", "harus true, false, atau jumlah berkas 0 sampai 20")
            evidence = 0
        return {"checker_differs": checker, "evidence_required": evidence}
