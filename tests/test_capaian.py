"""% capaian rules (portal/forms/formula.py): both arah, both rules for "turun" chosen by
the portal setting, zero targets and zero realisasi explained, status thresholds
(configurable), and the settings' validation. No database."""
import pytest
from flask import Flask

from portal.config import load_config
from portal.forms.formula import Formula, hitung_capaian, persen_capaian, rumus_capaian, status_capaian
from portal.forms.render import capaian_rule


def app_with(**config):
    app = Flask(__name__)
    app.config.update(config)
    return app


@pytest.mark.parametrize("target,realisasi,arah,rule,value,status", [
    (100, 97.5, "naik", None, 97.5, "kuning"),
    (500, 520, "naik", None, 104, "hijau"),
    (80, 40, "naik", None, 50, "merah"),
    (85, 80, "", None, 94.12, "kuning"),                 # no arah: higher is better
    (5, 7, "turun", None, 71.43, "merah"),               # default rule: target / realisasi
    (5, 7, "turun", "rasio", 71.43, "merah"),
    (5, 4, "TURUN", "rasio", 125, "hijau"),
    (5, 7, "turun", "selisih", 60, "merah"),             # (2 x 5 - 7) / 5
    (10, 8, "turun", "selisih", 120, "hijau"),
    (10, 25, "turun", "selisih", -50, "merah"),          # far worse than twice the target
    (5, 0, "turun", "selisih", 200, "hijau"),
])
def test_capaian_values_and_status(target, realisasi, arah, rule, value, status):
    result = hitung_capaian(target, realisasi, arah, rule)
    assert (result.nilai, result.status, result.catatan) == (value, status, "")


@pytest.mark.parametrize("target,realisasi,arah,rule,value,words", [
    (0, 5, "naik", None, None, "Target 0: capaian tidak dapat dihitung"),
    (0, 0, "naik", None, None, "Target 0: capaian tidak dapat dihitung"),
    (0, 5, "turun", "selisih", None, "Target 0: rumus (2 × target − realisasi)"),
    (5, 0, "turun", "rasio", None, "Realisasi 0 pada indikator turun"),
    (0, 0, "turun", "rasio", None, "Target dan realisasi 0"),
    (0, 3, "turun", "rasio", 0, "Target 0: setiap realisasi di atas 0 memberi capaian 0 %."),
])
def test_zero_target_or_realisasi_explained_without_error(target, realisasi, arah, rule, value, words):
    result = hitung_capaian(target, realisasi, arah, rule)
    assert result.nilai == value and words in result.catatan
    assert result.status == (None if value is None else "merah")


def test_missing_values_give_nothing_and_no_note():
    for args in [(None, 5), (10, ""), ("", None), ("abc", 5)]:
        result = hitung_capaian(*args)
        assert (result.nilai, result.status, result.catatan) == (None, None, "")
    assert persen_capaian(None, 5) is None and persen_capaian(0, 5) is None


@pytest.mark.parametrize("value,status", [(100, "hijau"), (99.99, "kuning"), (75, "kuning"), (74.99, "merah"),
                                          (250, "hijau"), (0, "merah"), (None, None)])
def test_status_thresholds_default(value, status):
    assert status_capaian(value) == status


def test_settings_choose_rule_and_thresholds():
    with app_with(CAPAIAN_RUMUS_TURUN="selisih", CAPAIAN_BATAS_HIJAU=90, CAPAIAN_BATAS_KUNING=60).app_context():
        assert persen_capaian(10, 8, "turun") == 120 and persen_capaian(100, 90, "turun") == 110
        assert hitung_capaian(100, 95).status == "hijau" and hitung_capaian(100, 60).status == "kuning"
        assert hitung_capaian(100, 59).status == "merah"
        assert rumus_capaian("turun") == "(2 × target − realisasi) ÷ target × 100"
        formula = Formula("persen_capaian(target, realisasi, arah)")
        assert formula.evaluate({"target": 10, "realisasi": 8, "arah": "turun"}) == 120
        assert formula.capaian({"target": 10, "realisasi": 8, "arah": "turun"}).rumus.startswith("(2 × target")
        rule = capaian_rule()
        assert (rule["kunci"], rule["hijau"], rule["kuning"]) == ("selisih", "90", "60")
    with app_with(CAPAIAN_RUMUS_TURUN="rasio").app_context():
        assert persen_capaian(10, 8, "turun") == 125 and rumus_capaian("turun") == "target ÷ realisasi × 100"
    assert rumus_capaian("naik") == "realisasi ÷ target × 100"


def test_only_capaian_formulas_get_a_capaian():
    assert Formula("bulat(realisasi / pagu * 100, 2)").capaian({"realisasi": 1, "pagu": 2}) is None
    assert not Formula("target * 2").is_capaian and Formula("persen_capaian(a, b)").is_capaian
    assert Formula("persen_capaian(a, b)").capaian({"a": 0, "b": 1}).catatan.startswith("Target 0")


def test_config_reads_and_refuses_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("CAPAIAN_RUMUS_TURUN", "Selisih")
    monkeypatch.setenv("CAPAIAN_BATAS_HIJAU", "95")
    config = load_config(str(tmp_path))
    assert (config["CAPAIAN_RUMUS_TURUN"], config["CAPAIAN_BATAS_HIJAU"], config["CAPAIAN_BATAS_KUNING"]) == ("selisih", 95, 75)
    monkeypatch.setenv("CAPAIAN_RUMUS_TURUN", "terbalik")
    with pytest.raises(ValueError, match="CAPAIAN_RUMUS_TURUN"):
        load_config(str(tmp_path))
    monkeypatch.setenv("CAPAIAN_RUMUS_TURUN", "rasio")
    monkeypatch.setenv("CAPAIAN_BATAS_KUNING", "99")
    monkeypatch.setenv("CAPAIAN_BATAS_HIJAU", "90")
    with pytest.raises(ValueError, match="CAPAIAN_BATAS_KUNING"):
        load_config(str(tmp_path))
