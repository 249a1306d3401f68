"""The welcome page of a newly activated servant (core.accounts.activation_views): courses due."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from core.extensions import db
from training.enums import EnrolmentStatus
from training.models import Enrolment


def welcome_items(user) -> list[dict]:
    if not user.person_id:
        return []
    n = db.session.execute(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.person_id == user.person_id, Enrolment.status == EnrolmentStatus.ENROLLED)).scalar_one()
    return [{"title": _("待完成的培训课程 %(n)s 门", n=n), "detail": _("请按期学习并完成测验"),
             "url": url_for("training.my_training")}] if n else []

