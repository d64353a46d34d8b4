"""Tanda terima: the PDF download and the public verification page behind the QR code."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import login_required
from sqlalchemy import select

from portal.extensions import db
from portal.models import Receipt, Run
from portal.receipts import receipt_filename
from portal.downloads import send_stored_file

bp = Blueprint("receipts", __name__)


@bp.route("/tanda-terima/<int:receipt_id>.pdf")
@login_required
def pdf(receipt_id: int):
    """Download the receipt PDF as it was issued (stored, hashed)."""
    receipt = db.session.get(Receipt, receipt_id) or abort(404)
    return send_stored_file(receipt.run_id, receipt.pdf_sha256, receipt_filename(receipt), "application/pdf",
                            detail=f"Tanda terima {receipt.number}")


@bp.route("/verifikasi/<token>")
def verify(token: str):
    """Public: is this receipt authentic, and do the documents still match their hashes?"""
    receipt = db.session.scalar(select(Receipt).where(Receipt.token == token))
    if receipt is None:
        return render_template("receipts/verify.html", receipt=None), 404
    store = current_app.extensions["file_store"]
    checks = [(doc, store.verify(doc["sha256"])) for doc in receipt.documents]
    if receipt.scan:  # issue 10: the signed paper receipt of an external receiver
        checks.append((receipt.scan | {"filename": f"{receipt.scan['filename']} (pindaian tanda terima bertanda tangan)"},
                       store.verify(receipt.scan["sha256"])))
    pdf_ok = bool(receipt.pdf_sha256) and store.verify(receipt.pdf_sha256)
    authentic = pdf_ok and all(ok for _, ok in checks)
    run = db.session.get(Run, receipt.run_id)
    return render_template("receipts/verify.html", receipt=receipt, run=run, checks=checks, pdf_ok=pdf_ok,
                           authentic=authentic)
