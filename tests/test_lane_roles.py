"""Roles named by a definition's lanes exist as soon as the definitions load (at start-up),
without anyone opening Admin -> Plugin; creating them is idempotent and two app instances
starting on one database create each role once (audited once the organisation has users)."""
import textwrap
import threading

from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.lanes import sync_lane_roles
from portal.models import AuditEvent, Role

TOML = """
[identitas]
id = "uji_peran"
kode = "uji_peran"
versi = "1"
nomor = "1/UJI/2026"
agency = "Dinas Uji"
nama = "SOP uji peran"
[pelaksana]
penelaah_mutu = { label = "Penelaah Mutu", per_unit = true }
[[langkah]]
no = 1
kegiatan = "Menelaah"
pelaksana = "penelaah_mutu"
waktu = "30 menit"
output = "Telaah"
"""


def plugin_dir(tmp_path):
    folder = tmp_path / "dropin" / "uji_peran"
    folder.mkdir(parents=True)
    (folder / "sop.toml").write_text(textwrap.dedent(TOML), encoding="utf-8")
    return str(tmp_path / "dropin")


def counts(app):
    with app.app_context():
        roles = db.session.scalar(select(func.count(Role.id)).where(Role.key == "penelaah_mutu"))
        events = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "peran", AuditEvent.detail.contains("penelaah_mutu")))
        role = db.session.scalar(select(Role).where(Role.key == "penelaah_mutu"))
        return roles, events, role.per_unit if role else None


def test_lane_role_created_at_start_up_once_with_two_instances(app, demo, tmp_path):
    config = dict(app.config, PORTAL_PLUGINS_DIR=plugin_dir(tmp_path))
    assert counts(app) == (0, 0, None)
    started = []
    barrier = threading.Barrier(2)

    def start():
        barrier.wait()
        started.append(create_app(config))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(started) == 2 and not any(a.extensions["portal_plugins"].problems for a in started)
    assert counts(app) == (1, 1, True)  # one role, one audit event, per_unit as the lane says
    assert sync_lane_roles(started[0]) == [] and counts(app) == (1, 1, True)  # idempotent


def test_lane_roles_wait_for_the_database_then_come_on_the_first_request(tmp_path):
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path / 'baru.db'}"
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "u"),
                "PORTAL_PLUGINS_DIR": plugin_dir(tmp_path), "SECRET_KEY": "uji"}
    fresh = create_app(settings)  # no tables yet: nothing to do, no error
    assert fresh.extensions.get("portal_lane_roles_synced") is None
    with fresh.app_context():
        upgrade()
    fresh.test_client().get("/masuk")
    assert counts(fresh) == (1, 0, True)  # made on the first request; nobody to audit yet (no users)
