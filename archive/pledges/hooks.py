"""Wiring of pledges into other packages (auto-imported by archive.register_cli):

- automatic pre-appointment assignment (docs/rules.md §5): when a person is registered or appointed
  to a new post, the registry calls ``auto_assign_pre_appointment`` (core never imports archive);
- the pledges section of the integrity file: ``FILE_SECTIONS["pledges"] = file_section``;
- the pledges to sign in the to-do block of "my file": ``TODO_PROVIDERS["pledges"] = todo_items``.
"""
from __future__ import annotations

from archive.pledges.services import auto_assign_pre_appointment, file_section, todo_items
from core.registry.services import PERSON_APPOINTED, PERSON_REGISTERED


def _register() -> None:
    for hooks in (PERSON_REGISTERED, PERSON_APPOINTED):
        if auto_assign_pre_appointment not in hooks:
            hooks.append(auto_assign_pre_appointment)
    try:
        from archive.file.services import FILE_SECTIONS
    except ImportError:  # the file package is not there (yet)
        return
    FILE_SECTIONS.setdefault("pledges", file_section)
    from archive.file.todo import TODO_PROVIDERS
    TODO_PROVIDERS.setdefault("pledges", todo_items)


_register()


def welcome_items(user) -> list[dict]:
    """The welcome page of a newly activated servant: pledges waiting for their signature."""
    import sqlalchemy as sa
    from flask import url_for
    from flask_babel import gettext as _

    from archive.pledges.models import Pledge, PledgeStatus
    from core.extensions import db
    if not user.person_id:
        return []
    n = db.session.execute(sa.select(sa.func.count()).select_from(Pledge).where(
        Pledge.person_id == user.person_id, Pledge.status == PledgeStatus.ASSIGNED)).scalar_one()
    return [{"title": _("待签署的承诺书 %(n)s 份", n=n), "detail": _("请阅读后在线签署"),
             "url": url_for("pledges.my_pledges")}] if n else []


def _register_welcome() -> None:
    from core.accounts.activation_views import WELCOME_PROVIDERS
    if welcome_items not in WELCOME_PROVIDERS:
        WELCOME_PROVIDERS.append(welcome_items)


_register_welcome()
