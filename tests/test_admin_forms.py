"""The admin organisation forms as Flask-WTF forms: CSRF enforced, messages beside the field,
typed values kept, and bad input changes nothing (through the web client, both backends)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Role, Unit, User, UserRole

NEW_USER = {"username": "rina.baru", "nama": "Rina Baru, S.E.", "nip": "19900101 201501 2 001",
            "jabatan": "Analis", "email": "rina@dpmptsp.example.go.id", "active": "1", "password": "rahasia-123"}


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _token(html: str, form_action: str) -> str:
    """The CSRF token inside the form posting to ``form_action``."""
    form = html[html.index(f'action="{form_action}"'):]
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)


def _role(key: str) -> Role:
    db.session.expire_all()
    return db.session.scalar(select(Role).where(Role.key == key))


def _unit(kode: str) -> Unit:
    db.session.expire_all()
    return db.session.scalar(select(Unit).where(Unit.kode == kode))


def test_csrf_enforced_on_every_admin_form(app, demo, client, auth):
    """With CSRF on, a POST without the token is refused (400) and changes nothing; with the
    page's own token it goes through."""
    auth.login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        user = demo["kepegawaian"]
        staf, sekretariat = _role("staf"), _unit("sekretariat")
        posts = {"/admin/pengguna/baru": dict(NEW_USER),
                 f"/admin/pengguna/{user.id}/peran": {"role_id": staf.id, "unit_id": sekretariat.id},
                 "/admin/peran": {"key": "tim_mutu", "label": "Tim Mutu"},
                 "/admin/unit": {"kode": "inspektorat", "nama": "Inspektorat", "jenis": "eksternal"},
                 f"/admin/unit/{sekretariat.id}": {"nama": "Sekretariat Baru", "jenis": "sekretariat"}}
        before = _events()
        for url, data in posts.items():
            assert client.post(url, data=data).status_code == 400, url
            assert client.post(url, data=dict(data, csrf_token="palsu")).status_code == 400, url
        assert _events() == before
        db.session.expire_all()
        assert db.session.scalar(select(User).where(User.username == "rina.baru")) is None
        assert _role("tim_mutu") is None and _unit("inspektorat") is None
        assert _unit("sekretariat").nama != "Sekretariat Baru"
        assert not db.session.scalar(select(UserRole).where(UserRole.user_id == user.id, UserRole.role_id == staf.id))

        page = client.get("/admin/pengguna/baru").get_data(as_text=True)
        data = dict(NEW_USER, csrf_token=_token(page, "/admin/pengguna/baru"))
        assert client.post("/admin/pengguna/baru", data=data).status_code == 302
        page = client.get(f"/admin/pengguna/{user.id}").get_data(as_text=True)
        grant = {"role_id": staf.id, "unit_id": sekretariat.id,
                 "csrf_token": _token(page, f"/admin/pengguna/{user.id}/peran")}
        assert client.post(f"/admin/pengguna/{user.id}/peran", data=grant).status_code == 302
        page = client.get("/admin/peran").get_data(as_text=True)
        role = {"key": "tim_mutu", "label": "Tim Mutu", "csrf_token": _token(page, "/admin/peran")}
        assert client.post("/admin/peran", data=role).status_code == 302
        page = client.get("/admin/unit").get_data(as_text=True)
        unit = {"kode": "inspektorat", "nama": "Inspektorat", "jenis": "eksternal",
                "csrf_token": _token(page, "/admin/unit")}
        assert client.post("/admin/unit", data=unit).status_code == 302
        assert _role("tim_mutu") is not None and _unit("inspektorat") is not None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_user_form_messages_beside_the_field_and_values_kept(demo, client, auth):
    """Each message sits in its field's block (aria-describedby), the typed values stay, nothing is saved."""
    auth.login("admin")
    target = demo["bidang2"]
    before = (_events(), target.nama, target.email)
    data = {"username": "bidang2", "nama": "Nama Baru", "nip": "1981 0330", "jabatan": "x" * 201,
            "email": "bukan-email", "unit_id": str(target.unit_id), "active": "1", "password": "pendek"}
    response = client.post(f"/admin/pengguna/{target.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for fid, message in (("f-email", "Alamat email tidak valid."), ("f-nip", "NIP harus terdiri dari 18 angka."),
                         ("f-jabatan", "Paling banyak 200 karakter."),
                         ("f-password", "Kata sandi paling sedikit 8 karakter.")):
        block = re.search(rf'<input[^>]*id="{fid}"[^>]*>\s*(?:<div class="muted">[^<]*</div>\s*)?'
                          rf'<p class="error" id="e-{fid}">([^<]*)</p>', html)
        assert block and block.group(1) == message, fid
        assert re.search(rf'<input[^>]*aria-describedby="e-{fid}"[^>]*id="{fid}"|<input[^>]*id="{fid}"[^>]*aria-invalid="true"',
                         html), fid
    assert 'value="Nama Baru"' in html and 'value="bukan-email"' in html and "pendek" not in html
    db.session.expire_all()
    user = db.session.get(User, target.id)
    assert (_events(), user.nama, user.email) == before


def test_unknown_unit_and_role_choices_refused_in_indonesian(demo, client, auth):
    """Tampered select values get Indonesian messages (not WTForms' English ones) and change nothing."""
    auth.login("admin")
    user = demo["kepegawaian"]
    before = _events()
    html = client.post("/admin/pengguna/baru", data=dict(NEW_USER, unit_id="999999")).get_data(as_text=True)
    assert "Unit tidak ditemukan." in html and "Not a valid" not in html
    grant = client.post(f"/admin/pengguna/{user.id}/peran", data={"role_id": "999999"})
    assert grant.status_code == 400 and "Peran tidak ditemukan." in grant.get_data(as_text=True)
    none = client.post(f"/admin/pengguna/{user.id}/peran", data={"role_id": ""})
    text = none.get_data(as_text=True)
    assert none.status_code == 400 and re.search(r'id="e-g-role">Pilih peran yang akan diberikan.<', text)
    unit = client.post(f"/admin/unit/{_unit('sekretariat').id}", data={"nama": "Sekretariat", "jenis": "planet"})
    assert unit.status_code == 400 and re.search(r'id="e-u-jenis">Pilih jenis unit.<', unit.get_data(as_text=True))
    assert _unit("sekretariat").jenis == "sekretariat"
    assert _events() == before
    assert db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.user_id == user.id)) == 1


@pytest.mark.parametrize("data, field, message", [
    ({"label": ""}, "r-label", "Nama peran wajib diisi."),
    ({"label": "x" * 201}, "r-label", "Paling banyak 200 karakter."),
])
def test_role_edit_bad_input_changes_nothing(demo, client, auth, data, field, message):
    """A bad role edit answers 400 with the message beside the field; the role and the audit stay."""
    auth.login("admin")
    role = _role("tim_sakip")
    before = (_events(), role.label, role.per_unit, role.external)
    response = client.post(f"/admin/peran/{role.id}", data=dict(data, per_unit="1", external="1"))
    assert response.status_code == 400
    assert re.search(rf'id="e-{field}">{re.escape(message)}<', response.get_data(as_text=True))
    role = _role("tim_sakip")
    assert (_events(), role.label, role.per_unit, role.external) == before
