"""Uploads (issue 17, item 11): a per-user quota (UPLOAD_QUOTA_BYTES in any 24 hours) and the daily
clean-up of draft attachments no application claimed (`flask --app wsgi files clean-drafts`)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from archive.repair.models import DRAFT_OWNER, EVIDENCE_OWNER
from core.audit.models import AuditEvent
from core.changes import FILE, changed
from core.clock import utcnow
from core.extensions import db
from core.files import EXPIRED_DRAFT, Attachment
from tests import factories as f

from .conftest import PDF, upload


def _draft(client, name="收据.pdf", data=PDF):
    return client.post("/api/v1/attachments", data={"file": upload(data, name)}, content_type="multipart/form-data")


def test_per_user_quota_in_24_hours(app, region, api, monkeypatch):
    size = len(PDF)
    monkeypatch.setitem(app.config, "UPLOAD_QUOTA_BYTES", 3 * size)
    folder = Path(app.config["UPLOAD_DIR"])
    client = api(region.servant)
    for i in range(3):
        assert _draft(client, f"{i}.pdf").status_code == 201
    files_before = set(folder.iterdir())
    refused = _draft(client, "3.pdf")
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "quota_exceeded" and "上限" in error["message"] and "file" in error["fields"]
    assert set(folder.iterdir()) == files_before                       # nothing written for the refused one
    assert db.session.execute(sa.select(sa.func.count()).select_from(Attachment)).scalar_one() == 3
    other = f.user("other_servant", roles=("servant",), person=f.person("另一人", department=region.wenhui))
    db.session.commit()
    assert _draft(api(other)).status_code == 201                      # the quota is per user
    for att in db.session.execute(sa.select(Attachment).where(Attachment.uploaded_by_id == region.servant.id)).scalars():
        att.uploaded_at = utcnow() - timedelta(hours=25)              # a day later the quota is free again
        changed([att.person_id], FILE)                                  # written directly: noted (core.changes)
    db.session.commit()
    assert _draft(client, "4.pdf").status_code == 201


def test_unclaimed_drafts_are_cleaned_up_daily(app, region, repair, api):
    client = api(region.servant)
    old, fresh, claimed = (_draft(client, n).get_json()["id"] for n in ("old.pdf", "fresh.pdf", "claimed.pdf"))
    rec = repair.eligible_record()
    assert client.post(f"/api/v1/records/{rec.id}/repairs",
                       json={"correction": "recover_loss", "evidence_ids": [claimed]}).status_code == 201
    for att_id in (old, claimed):
        db.session.get(Attachment, att_id).uploaded_at = utcnow() - timedelta(hours=30)
    changed([region.person.id], FILE)                                   # written directly: noted (core.changes)
    db.session.commit()
    folder = Path(app.config["UPLOAD_DIR"])
    stored = {i: folder / db.session.get(Attachment, i).stored_name for i in (old, fresh, claimed)}
    assert all(p.exists() for p in stored.values())
    result = app.test_cli_runner().invoke(args=["files", "clean-drafts"])
    assert result.exit_code == 0 and "1 unclaimed draft" in result.output, result.output
    db.session.expire_all()
    assert not stored[old].exists() and stored[fresh].exists() and stored[claimed].exists()
    assert db.session.get(Attachment, old).owner_type == EXPIRED_DRAFT           # the row stays (audited table)
    assert db.session.get(Attachment, fresh).owner_type == DRAFT_OWNER
    assert db.session.get(Attachment, claimed).owner_type == EVIDENCE_OWNER
    assert db.session.execute(sa.select(AuditEvent).filter_by(action="draft_cleanup")).scalar_one()
    import pytest

    from archive.repair.services import _claim_drafts
    from core.errors import ValidationFailed
    with pytest.raises(ValidationFailed):                            # an expired draft can no longer be attached
        _claim_drafts([old], region.servant, region.person.id)
    assert [a.id for a in _claim_drafts([fresh], region.servant, region.person.id)] == [fresh]
