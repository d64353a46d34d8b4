"""Accounts: login, lock-out, CSRF, cookies, NIP, CLI."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, User
from portal.models.org import format_nip, validate_nip


def test_anonymous_is_sent_to_login(client, app):
    response = client.get("/tugas")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    assert "Masuk ke SOP Portal" in client.get("/masuk").get_data(as_text=True)


def test_login_logout_and_audit(client, demo):
    response = client.post("/masuk", data={"username": "kadis", "password": "sakip2026"})
    assert response.status_code == 302
    assert "Tugas Saya" in client.get("/tugas").get_data(as_text=True)
    client.post("/keluar")
    assert client.get("/tugas").status_code == 302
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["masuk", "keluar"]


def test_wrong_password_message_and_lockout(client, demo, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        response = client.post("/masuk", data={"username": "kadis", "password": "salah"})
        assert response.status_code == 401 and "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    locked = client.post("/masuk", data={"username": "kadis", "password": "salah"})
    assert "akun dikunci sementara 15 menit" in locked.get_data(as_text=True)
    still = client.post("/masuk", data={"username": "kadis", "password": "sakip2026"})
    assert still.status_code == 401 and "akun dikunci sementara" in still.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "kadis")).locked_until is not None
    assert "akun_terkunci" in set(db.session.scalars(select(AuditEvent.action)))


def test_unknown_user_gets_same_message(client, demo):
    response = client.post("/masuk", data={"username": "tidakada", "password": "x"})
    assert response.status_code == 401 and "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, demo):
    demo["sekretaris"].active = False
    db.session.commit()
    assert client.post("/masuk", data={"username": "sekretaris", "password": "sakip2026"}).status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"])
def test_csrf_required_on_post(backend, app, demo):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/masuk", data={"username": "kadis", "password": "sakip2026"})
    assert response.status_code == 400
    assert "/masuk" in client.get("/tugas").headers["Location"]


def test_session_cookie_flags(client, demo, app):
    response = client.post("/masuk", data={"username": "kadis", "password": "sakip2026"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # True when SESSION_COOKIE_SECURE=1 is set


def test_nip_validation_and_format():
    assert validate_nip("19800101200501100") == "NIP harus terdiri dari 18 angka."
    assert validate_nip("19800101200501100a") == "NIP harus terdiri dari 18 angka."
    assert validate_nip("198001012005011001") is None
    assert format_nip("198001012005011001") == "19800101 200501 1 001"


def test_cli_user_create(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "it", "--nama", "Petugas TI", "--password", "rahasia123", "--admin",
                                 "--nip", "198001012005011001"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "it"))
    assert user.is_admin and user.check_password("rahasia123")
    bad = runner.invoke(args=["user", "create", "it2", "--nama", "X", "--password", "rahasia123", "--nip", "123"])
    assert bad.exit_code != 0 and "NIP harus terdiri dari 18 angka." in bad.output


def test_demo_load_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "load"])
    assert "(0 baru)" in second.output
    assert first.output.split("pengguna")[0] == second.output.split("pengguna")[0]
