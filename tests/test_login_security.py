"""Login hardening: safe ``next``, atomic lock-out, sessions that end, no username discovery."""
import threading

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.views.helpers import safe_next


@pytest.mark.parametrize("target", [
    "/\t/evil.example/", "/\n/evil.example/", "/\r/evil.example", "//evil.example/", "/\\evil.example",
    "\\/evil.example", "https://evil.example/", "javascript:alert(1)", "evil.example", "/ /evil.example",
    "/\x00/evil", "", None,
])
def test_safe_next_refuses_anything_but_a_local_path(target):
    assert safe_next(target) is None


def test_safe_next_keeps_local_paths():
    assert safe_next("/tugas?status=selesai") == "/tugas?status=selesai"
    assert safe_next("/pelaksanaan/3#langkah-2") == "/pelaksanaan/3#langkah-2"


@pytest.mark.parametrize("encoded", ["/%09/evil.example/", "/%0A/evil.example/", "/%0D%0A/evil.example/",
                                     "//evil.example", "/%5Cevil.example", "https:evil.example"])
def test_login_never_redirects_off_site(client, demo, encoded):
    response = client.post(f"/masuk?next={encoded}", data={"username": "kadis", "password": "sakip2026"})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/tugas", "http://portal.test/tugas"), location


def test_login_follows_a_local_next(client, demo):
    response = client.post("/masuk?next=/arsip%3Fq%3Dpk", data={"username": "kadis", "password": "sakip2026"})
    assert response.headers["Location"].endswith("/arsip?q=pk")


def _counting_checks(monkeypatch):
    """Count real password checks vs dummy ones (both must cost one hash)."""
    import portal.models.org as org

    calls = {"real": 0, "dummy": 0}
    original = org.check_password_hash

    def counted(pwhash, password):
        calls["dummy" if pwhash == org._dummy_hash() else "real"] += 1
        return original(pwhash, password)

    monkeypatch.setattr(org, "check_password_hash", counted)
    return calls


def test_unknown_locked_and_wrong_answer_alike_with_one_hash_each(client, demo, app, monkeypatch):
    calls = _counting_checks(monkeypatch)
    unknown = client.post("/masuk", data={"username": "tidakada", "password": "x"})
    assert calls == {"real": 0, "dummy": 1}
    wrong = client.post("/masuk", data={"username": "kadis", "password": "x"})
    assert calls == {"real": 1, "dummy": 1}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/masuk", data={"username": "sekretaris", "password": "x"})
    before = dict(calls)
    locked = client.post("/masuk", data={"username": "sekretaris", "password": "sakip2026"})
    assert calls["real"] == before["real"] and calls["dummy"] == before["dummy"] + 1  # no password check while locked
    bodies = {r.status_code: None for r in (unknown, wrong, locked)}
    assert list(bodies) == [401]
    message = lambda r: r.get_data(as_text=True).split('role="alert">')[1].split("<")[0]  # noqa: E731
    assert message(unknown) == message(wrong) == message(locked)


def test_dummy_hash_uses_the_configured_method(app):
    from portal.models.org import _dummy_hash

    assert _dummy_hash().startswith(app.config["PASSWORD_HASH_METHOD"] + "$")


def test_parallel_wrong_logins_check_at_most_the_limit(app, demo, monkeypatch):
    """Every attempt is held inside the password check until all have either reached it or been refused."""
    import portal.models.org as org

    limit = app.config["LOGIN_MAX_FAILURES"]
    count = limit + 3
    real_hash = demo["kadis"].password_hash
    state = {"in_check": 0, "finished": 0}
    cond = threading.Condition()
    release = threading.Event()
    original = org.check_password_hash

    def held(pwhash, password):
        if pwhash == real_hash:
            with cond:
                state["in_check"] += 1
                cond.notify_all()
            release.wait(20)
        return original(pwhash, password)

    monkeypatch.setattr(org, "check_password_hash", held)
    codes = []

    def worker():
        client = app.test_client()
        with app.app_context():
            codes.append(client.post("/masuk", data={"username": "kadis", "password": "salah"}).status_code)
            db.session.remove()
        with cond:
            state["finished"] += 1
            cond.notify_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    with cond:
        cond.wait_for(lambda: state["in_check"] + state["finished"] >= count, timeout=30)
    checked = state["in_check"]
    release.set()
    for thread in threads:
        thread.join(30)
    assert checked <= limit, f"{checked} password checks for a limit of {limit}"
    assert codes == [401] * count
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "kadis")).locked_until is not None


def status(client, app, path="/tugas"):
    """GET in a fresh app context, as a separate request on a server would (no user cached in ``g``)."""
    with app.app_context():
        code = client.get(path).status_code
        db.session.remove()
    return code


def _copy_session(client, app):
    """A second client holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), domain="portal.test")
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value, domain="portal.test")
    return thief


def test_copied_session_dies_at_logout(client, demo, app):
    client.post("/masuk", data={"username": "kadis", "password": "sakip2026"})
    thief = _copy_session(client, app)
    assert status(thief, app) == 200
    client.post("/keluar")
    assert status(thief, app) == 302


def test_copied_session_dies_when_admin_changes_the_password(client, demo, app):
    client.post("/masuk", data={"username": "kadis", "password": "sakip2026"})
    thief = _copy_session(client, app)
    with app.test_request_context():
        user = db.session.get(User, demo["kadis"].id)
        user.set_password("kata-sandi-baru-2026")
        db.session.commit()
    assert status(thief, app) == 302


def send(client, app, method, path, **kwargs):
    """A request in a fresh app context (see ``status``)."""
    with app.app_context():
        response = client.open(path, method=method, **kwargs)
        db.session.remove()
    return response


def test_admin_password_change_and_deactivation_end_sessions(client, demo, app):
    victim = app.test_client()
    send(victim, app, "POST", "/masuk", data={"username": "perencana", "password": "sakip2026"})
    assert status(victim, app) == 200
    send(client, app, "POST", "/masuk", data={"username": "admin", "password": "admin2026"})
    uid = demo["perencana"].id
    user = db.session.get(User, uid)
    form = {"username": user.username, "nama": user.nama, "nip": user.nip or "", "jabatan": user.jabatan,
            "email": user.email, "unit_id": user.unit_id or "", "active": "1", "password": "sandi-baru-123"}
    assert send(client, app, "POST", f"/admin/pengguna/{uid}", data=form).status_code in (302, 303)
    assert status(victim, app) == 302
    send(victim, app, "POST", "/masuk", data={"username": "perencana", "password": "sandi-baru-123"})
    assert status(victim, app) == 200
    form.pop("active")
    form["password"] = ""
    assert send(client, app, "POST", f"/admin/pengguna/{uid}", data=form).status_code in (302, 303)
    assert status(victim, app) == 302
    assert status(client, app) == 200  # the admin is still logged in


def test_admin_changing_own_password_stays_logged_in(client, demo, app):
    send(client, app, "POST", "/masuk", data={"username": "admin", "password": "admin2026"})
    admin = db.session.get(User, demo["admin"].id)
    form = {"username": admin.username, "nama": admin.nama, "nip": admin.nip or "", "jabatan": admin.jabatan,
            "email": admin.email, "unit_id": admin.unit_id or "", "active": "1", "is_admin": "1",
            "password": "admin-baru-2026"}
    assert send(client, app, "POST", f"/admin/pengguna/{admin.id}", data=form).status_code in (302, 303)
    assert status(client, app) == 200


@pytest.mark.parametrize("backend", ["sqlite"])
def test_login_renews_the_csrf_secret(backend, app, demo):
    import re

    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = send(client, app, "GET", "/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    login = send(client, app, "POST", "/masuk", data={"username": "kadis", "password": "sakip2026", "csrf_token": token})
    assert login.status_code == 302
    assert send(client, app, "POST", "/keluar", data={"csrf_token": token}).status_code == 400  # pre-login token void
    page = send(client, app, "GET", "/tugas").get_data(as_text=True)
    fresh = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert send(client, app, "POST", "/keluar", data={"csrf_token": fresh}).status_code == 302
