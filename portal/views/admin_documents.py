"""Admin -> Dokumen: what declared documents print besides the SOP data: the city before
the date and the kop logo (PNG/JPG, checked by content, kept in the file store)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from portal import audit
from portal.documents import setting
from portal.extensions import db
from portal.models import Setting
from portal.storage import UploadRejected
from portal.templating import render_page
from portal.views.helpers import admin_required

bp = Blueprint("admin_documents", __name__, url_prefix="/admin")
MAX_LOGO_BYTES = 1024 * 1024


class DocumentSettingsForm(FlaskForm):
    """Kota and logo of declared documents."""

    kota = StringField("Kota pada tanggal dokumen", validators=[DataRequired("Kota wajib diisi."), Length(max=80)])
    logo = FileField("Logo kop (PNG atau JPG, paling besar 1 MB)")
    hapus_logo = BooleanField("Hapus logo")


def _put(key: str, value: str) -> None:
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value = value
    db.session.add(row)


@bp.route("/dokumen", methods=["GET", "POST"])
@admin_required
def settings():
    """Show and change the document settings (audited)."""
    form = DocumentSettingsForm(data={"kota": setting("kota", "Bandung")})
    status = 200
    if form.validate_on_submit():
        upload = form.logo.data
        stored = None
        if upload and upload.filename and not form.hapus_logo.data:
            try:
                stored = _store_logo(upload)
            except UploadRejected as exc:  # nothing is changed
                form.logo.errors.append(exc.message)
                return render_page("admin/documents.html", form=form, logo=setting("logo_sha256")), 400
        changes = []
        if form.kota.data.strip() != setting("kota", "Bandung"):
            _put("kota", form.kota.data.strip())
            changes.append(f"kota {form.kota.data.strip()}")
        if form.hapus_logo.data:
            _put("logo_sha256", "")
            changes.append("logo dihapus")
        elif stored is not None:
            _put("logo_sha256", stored.sha256)
            _put("logo_mime", stored.mime)
            changes.append(f"logo {stored.filename} (sha256 {stored.sha256[:12]}…)")
        if changes:
            audit.record("pengaturan", detail="Dokumen: " + "; ".join(changes))
            db.session.commit()
            flash("Pengaturan dokumen disimpan.", "success")
        return redirect(url_for("admin_documents.settings"), code=303)
    if form.errors:
        status = 400
    return render_page("admin/documents.html", form=form, logo=setting("logo_sha256")), status


def _store_logo(upload):
    ext = (upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "").lower()
    if ext not in ("png", "jpg", "jpeg"):
        raise UploadRejected("Logo harus berupa PNG atau JPG.", "extension")
    data = upload.stream.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise UploadRejected("Logo paling besar 1 MB.", "size")
    return current_app.extensions["file_store"].save_bytes(data, upload.filename)
