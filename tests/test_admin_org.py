"""Admin pages of the organisation: users, role grants, roles and units (both backends)."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Role, Unit, User, UserRole

HTMX = {"HX-Request": "true", "HX-Target": "grant-list"}
NEW_USER = {"username": "rina.baru", "nama": "Rina Baru, S.E.", "nip": "19900101 201501 2 001",
            "jabatan": "Analis", "email": "rina@dpmptsp.example.go.id", "active": "1", "password": "rahasia-123"}


def _fresh(model, **where):
    """Reload a row from the database (the test session may hold stale objects)."""
    db.session.expire_all()
    return db.session.scalar(select(model).filter_by(**where))


def _role(key: str) -> Role:
    """A role by key."""
    return db.session.scalar(select(Role).where(Role.key == key))


def _unit(kode: str) -> Unit:
    """A unit by kode."""
    return db.session.scalar(select(Unit).where(Unit.kode == kode))


def _grants(user_id: int) -> set[tuple[str, str | None]]:
    """The (role key, unit kode) grants of a user, read afresh."""
    db.session.expire_all()
    rows = db.session.execute(select(Role.key, Unit.kode).select_from(UserRole).join(Role)
                              .outerjoin(Unit, UserRole.unit_id == Unit.id).where(UserRole.user_id == user_id))
    return {(key, kode) for key, kode in rows}


def _user_count() -> int:
    """How many users there are."""
    return db.session.scalar(select(func.count()).select_from(User))


def _admin_pages(demo) -> list[str]:
    """Every admin page of this blueprint (GET)."""
    role, unit, user = _role("staf"), _unit("sekretariat"), demo["bidang1"]
    return ["/admin/pengguna", "/admin/pengguna?q=budi", "/admin/pengguna/baru", f"/admin/pengguna/{user.id}",
            "/admin/peran", f"/admin/peran/{role.id}", "/admin/unit", f"/admin/unit/{unit.id}"]


def test_non_admin_gets_403_everywhere(demo, client, auth):
    """A logged-in non-admin gets 403 on every page and POST, and nothing changes."""
    auth.login("kadis")
    for url in _admin_pages(demo):
        assert client.get(url).status_code == 403, url
    target = demo["bidang1"]
    grant, grants_before = target.roles[0], _grants(target.id)
    posts = {"/admin/pengguna/baru": dict(NEW_USER), f"/admin/pengguna/{target.id}": {"nama": "X", "active": "1"},
             f"/admin/pengguna/{target.id}/peran": {"role_id": _role("tim_sakip").id},
             f"/admin/pengguna/{target.id}/peran/{grant.id}/hapus": {},
             "/admin/peran": {"key": "baru", "label": "Baru"}, "/admin/unit": {"kode": "baru", "nama": "Baru", "jenis": "bidang"}}
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    assert _fresh(User, username="rina.baru") is None
    assert _fresh(User, username="bidang1").nama != "X"
    assert _grants(target.id) == grants_before and ("tim_sakip", None) not in grants_before
    assert _fresh(Role, key="baru") is None and _fresh(Unit, kode="baru") is None


def test_anonymous_redirected_to_login(demo, client):
    """Anonymous visitors are sent to the login page."""
    for url in _admin_pages(demo):
        response = client.get(url)
        assert response.status_code == 302, url
        assert urlparse(response.location).path == "/masuk"


def test_admin_sees_users_list_with_grouped_nip(demo, client, auth):
    """The users list shows grouped NIPs and grants; the search answers htmx with the list only."""
    auth.login("admin")
    page = client.get("/admin/pengguna").get_data(as_text=True)
    assert "Dr. H. Ahmad Suryana, M.Si." in page and "19700512\u00a0199503\u00a01\u00a0002" in page
    assert "Tim Urusan / Sekretariat" in page and "Bidang Pelayanan Perizinan" in page
    fragment = client.get("/admin/pengguna?q=wahyu", headers={"HX-Request": "true", "HX-Target": "user-list"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="user-list"' in text
    assert "Ir. Wahyu Pratama, M.T." in text and "Ahmad Suryana" not in text
    by_nip = client.get("/admin/pengguna?q=19700512 199503").get_data(as_text=True)
    assert "Ahmad Suryana" in by_nip and "Wahyu Pratama" not in by_nip


def test_create_user_then_login(demo, client, auth):
    """A created user is stored (NIP without spaces) and can log in with the password."""
    auth.login("admin")
    data = dict(NEW_USER, unit_id=_unit("bidang_pelayanan").id)
    response = client.post("/admin/pengguna/baru", data=data)
    assert response.status_code == 302
    user = _fresh(User, username="rina.baru")
    assert user is not None and user.nip == "199001012015012001" and user.unit.kode == "bidang_pelayanan"
    assert user.active and not user.is_admin
    assert urlparse(response.location).path == f"/admin/pengguna/{user.id}"
    auth.logout()
    login = auth.login("rina.baru", "rahasia-123")
    assert login.status_code == 302 and urlparse(login.location).path != "/masuk"
    with client.session_transaction() as session:
        assert session.get("_user_id") == user.get_id()


@pytest.mark.parametrize("nip", ["19900101201501200", "19900101201501200A", "abcdefghijklmnopqr"])
def test_invalid_nip_refused(demo, client, auth, nip):
    """A NIP that is not 18 digits is refused with HTTP 400 and nothing is saved."""
    auth.login("admin")
    before = _user_count()
    response = client.post("/admin/pengguna/baru", data=dict(NEW_USER, nip=nip))
    assert response.status_code == 400
    assert "NIP harus terdiri dari 18 angka." in response.get_data(as_text=True)
    assert _user_count() == before and _fresh(User, username="rina.baru") is None


def test_bad_user_input_messages(demo, client, auth):
    """Each bad field gets its Indonesian message; guests of outside units may go without NIP."""
    auth.login("admin")
    data = dict(NEW_USER, username="", nama="", email="bukan-email", password="pendek",
                unit_id=_unit("sekretariat").id, nip="")
    text = client.post("/admin/pengguna/baru", data=data).get_data(as_text=True)
    for message in ("Nama pengguna wajib diisi.", "Nama wajib diisi.", "Alamat email tidak valid.",
                    "Kata sandi paling sedikit 8 karakter.", "NIP wajib diisi untuk pegawai"):
        assert message in text
    guest = dict(NEW_USER, username="tamu", nip="", unit_id=_unit("bappeda").id)
    assert client.post("/admin/pengguna/baru", data=guest).status_code == 302
    assert _fresh(User, username="tamu").nip is None
    no_password = dict(NEW_USER, password="")
    assert "Kata sandi wajib diisi" in client.post("/admin/pengguna/baru", data=no_password).get_data(as_text=True)


@pytest.mark.parametrize("username", ["kadis", "KADIS"])
def test_duplicate_username_refused(demo, client, auth, username):
    """A username already taken (in any letter case) is refused, on create and on rename."""
    auth.login("admin")
    before = _user_count()
    response = client.post("/admin/pengguna/baru", data=dict(NEW_USER, username=username))
    assert response.status_code == 400
    assert "Nama pengguna sudah dipakai." in response.get_data(as_text=True)
    assert _user_count() == before
    rename = client.post(f"/admin/pengguna/{demo['bidang1'].id}",
                         data={"username": "kadis", "nama": "Ir. Wahyu Pratama, M.T.", "nip": "197608172003121009",
                               "unit_id": _unit("bidang_perencanaan").id, "active": "1"})
    assert rename.status_code == 400 and _fresh(User, id=demo["bidang1"].id).username == "bidang1"


def test_edit_user_and_audit(demo, client, auth):
    """Editing a user saves the change and audits it with the admin as actor, without the password."""
    auth.login("admin")
    admin, target = demo["admin"], demo["bidang2"]
    data = {"username": "bidang2", "nama": "Lina Herlina, S.E., M.M.", "nip": "198103302006042010",
            "jabatan": "Kepala Bidang", "email": "", "unit_id": _unit("bidang_pengendalian").id,
            "password": "kata-sandi-baru"}
    assert client.post(f"/admin/pengguna/{target.id}", data=data).status_code == 302
    user = _fresh(User, id=target.id)
    assert user.nama == "Lina Herlina, S.E., M.M." and not user.active and user.check_password("kata-sandi-baru")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pengguna").order_by(AuditEvent.id.desc()))
    assert event.user_id == admin.id and event.user_nama == admin.nama
    assert "bidang2" in event.detail and "aktif ya → tidak" in event.detail and "kata sandi diganti" in event.detail
    assert "kata-sandi-baru" not in event.detail


def test_create_user_audited_without_password(demo, client, auth):
    """Creating a user writes a 'pengguna' event by the admin, without the password."""
    auth.login("admin")
    client.post("/admin/pengguna/baru", data=dict(NEW_USER))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pengguna"))
    assert event is not None and event.user_id == demo["admin"].id
    assert "rina.baru" in event.detail and NEW_USER["password"] not in event.detail


def test_admin_cannot_deactivate_or_unadmin_self(demo, client, auth):
    """An admin cannot deactivate or un-admin their own account."""
    auth.login("admin")
    admin = demo["admin"]
    base = {"username": "admin", "nama": admin.nama, "nip": admin.nip, "unit_id": admin.unit_id}
    response = client.post(f"/admin/pengguna/{admin.id}", data=dict(base, is_admin="1"))
    assert response.status_code == 400
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in response.get_data(as_text=True)
    response = client.post(f"/admin/pengguna/{admin.id}", data=dict(base, active="1"))
    assert response.status_code == 400
    assert "Anda tidak dapat mencabut hak admin akun Anda sendiri." in response.get_data(as_text=True)
    user = _fresh(User, id=admin.id)
    assert user.active and user.is_admin
    assert client.post(f"/admin/pengguna/{admin.id}", data=dict(base, active="1", is_admin="1", jabatan="Pranata")).status_code == 302


def test_per_unit_role_needs_unit(demo, client, auth):
    """A per-unit role granted without a unit is refused with a clear message."""
    auth.login("admin")
    user = demo["kepegawaian"]
    response = client.post(f"/admin/pengguna/{user.id}/peran", data={"role_id": _role("staf").id, "unit_id": ""},
                           follow_redirects=True)
    assert "Peran Staf dipegang per unit: pilih unitnya." in response.get_data(as_text=True)
    assert _grants(user.id) == {("tim_kepegawaian", None)}
    fragment = client.post(f"/admin/pengguna/{user.id}/peran", data={"role_id": _role("staf").id}, headers=HTMX)
    assert "Peran Staf dipegang per unit: pilih unitnya." in fragment.get_data(as_text=True)
    assert _grants(user.id) == {("tim_kepegawaian", None)}


def test_grant_then_remove_role(demo, client, auth):
    """Granting then removing roles changes the grants; duplicates and foreign grants are refused."""
    auth.login("admin")
    user = demo["kepegawaian"]
    response = client.post(f"/admin/pengguna/{user.id}/peran",
                           data={"role_id": _role("staf").id, "unit_id": _unit("sekretariat").id})
    assert response.status_code == 302 and urlparse(response.location).path == f"/admin/pengguna/{user.id}"
    assert _grants(user.id) == {("tim_kepegawaian", None), ("staf", "sekretariat")}
    duplicate = client.post(f"/admin/pengguna/{user.id}/peran",
                            data={"role_id": _role("staf").id, "unit_id": _unit("sekretariat").id}, follow_redirects=True)
    assert "sudah memegang peran Staf (Sekretariat)" in duplicate.get_data(as_text=True)
    assert client.post(f"/admin/pengguna/{user.id}/peran", data={"role_id": _role("tim_sakip").id}).status_code == 302
    client.post(f"/admin/pengguna/{user.id}/peran", data={"role_id": _role("tim_sakip").id})
    assert _grants(user.id) == {("tim_kepegawaian", None), ("staf", "sekretariat"), ("tim_sakip", None)}
    grant = db.session.scalar(select(UserRole).where(UserRole.user_id == user.id, UserRole.role_id == _role("staf").id))
    response = client.post(f"/admin/pengguna/{user.id}/peran/{grant.id}/hapus")
    assert response.status_code == 302
    assert _grants(user.id) == {("tim_kepegawaian", None), ("tim_sakip", None)}
    other = demo["bidang1"].roles[0]
    assert client.post(f"/admin/pengguna/{user.id}/peran/{other.id}/hapus").status_code == 404
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "peran").order_by(AuditEvent.id)))
    assert [e.user_id for e in events] == [demo["admin"].id] * 3
    assert "Memberi peran staf di unit sekretariat kepada pengguna kepegawaian" in events[0].detail
    assert "Mencabut peran staf di unit sekretariat dari pengguna kepegawaian" in events[-1].detail


def test_htmx_grant_returns_fragment(demo, client, auth):
    """htmx grant requests answer with the grants block only, not a whole page."""
    auth.login("admin")
    user = demo["kepegawaian"]
    response = client.post(f"/admin/pengguna/{user.id}/peran", data={"role_id": _role("tim_sakip").id}, headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text
    assert text.lstrip().startswith('<div id="grant-list">') and "Tim SAKIP" in text and "diberikan" in text
    grant = db.session.scalar(select(UserRole).where(UserRole.user_id == user.id, UserRole.role_id == _role("tim_sakip").id))
    removed = client.post(f"/admin/pengguna/{user.id}/peran/{grant.id}/hapus", headers=HTMX)
    assert removed.status_code == 200 and "<html" not in removed.get_data(as_text=True)
    assert "dicabut" in removed.get_data(as_text=True)
    assert _grants(user.id) == {("tim_kepegawaian", None)}
    full = client.get(f"/admin/pengguna/{user.id}").get_data(as_text=True)
    assert "<html" in full and 'id="grant-list"' in full


def test_roles_create_and_edit(demo, client, auth):
    """Roles are created and edited (key fixed), validated and audited."""
    auth.login("admin")
    page = client.get("/admin/peran").get_data(as_text=True)
    assert "tim_urusan" in page and "Tim Urusan / Sekretariat" in page
    bad = client.post("/admin/peran", data={"key": "Tim Baru", "label": ""})
    assert bad.status_code == 400 and "Nama peran wajib diisi." in bad.get_data(as_text=True)
    assert "Kunci peran hanya boleh huruf kecil" in bad.get_data(as_text=True)
    taken = client.post("/admin/peran", data={"key": "staf", "label": "Staf lain"})
    assert taken.status_code == 400 and "Kunci peran sudah dipakai." in taken.get_data(as_text=True)
    assert client.post("/admin/peran", data={"key": "tim_mutu", "label": "Tim Mutu", "per_unit": "1"}).status_code == 302
    role = _fresh(Role, key="tim_mutu")
    assert role.per_unit and not role.external
    edit = client.post(f"/admin/peran/{role.id}", data={"key": "lain", "label": "Tim Penjaminan Mutu", "external": "1"})
    assert edit.status_code == 302
    role = _fresh(Role, id=role.id)
    assert role.key == "tim_mutu" and role.label == "Tim Penjaminan Mutu" and role.external and not role.per_unit
    refused = client.post(f"/admin/peran/{_role('tim_sakip').id}", data={"label": "Tim SAKIP", "per_unit": "1"})
    assert refused.status_code == 400 and not _fresh(Role, key="tim_sakip").per_unit
    details = [e.detail for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "peran"))]
    assert len(details) == 2 and "Membuat peran tim_mutu" in details[0] and "Mengubah peran tim_mutu" in details[1]


def test_units_create_and_edit(demo, client, auth):
    """Units are created and edited, validated and audited."""
    auth.login("admin")
    assert "Pihak luar" in client.get("/admin/unit").get_data(as_text=True)
    bad = client.post("/admin/unit", data={"kode": "sekretariat", "nama": "", "jenis": "lain"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Kode unit sudah dipakai." in text and "Nama unit wajib diisi." in text
    assert "Pilih jenis unit." in text
    assert client.post("/admin/unit", data={"kode": "inspektorat", "nama": "Inspektorat", "jenis": "eksternal"}).status_code == 302
    unit = _fresh(Unit, kode="inspektorat")
    assert unit.jenis == "eksternal"
    assert client.post(f"/admin/unit/{unit.id}", data={"nama": "Inspektorat Provinsi", "jenis": "eksternal"}).status_code == 302
    assert _fresh(Unit, id=unit.id).nama == "Inspektorat Provinsi"
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit").order_by(AuditEvent.id)))
    assert [e.user_id for e in events] == [demo["admin"].id] * 2
    assert "Mengubah unit inspektorat" in events[1].detail and "Inspektorat Provinsi" in events[1].detail
