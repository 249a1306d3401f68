"""What the file package plugs in (called by archive.register, from the factory's
``register_plugins`` step): the training section of the file, the complaints about objection
decisions, HR's workbench cards, and the file cache's listeners."""
from __future__ import annotations

from datetime import date

from core import clock, wiring


def training_section(person, as_of: date | None = None) -> dict:
    """API file "training": {"year", "meets", "hours", "integrity_hours", "requirements": [...]}."""
    from training.services import evaluation_to_dict, training_status
    as_of = as_of or clock.today()
    return evaluation_to_dict(training_status(person, as_of.year, as_of))


def register() -> None:
    from archive.file import worklists
    from archive.file.cache import install_listeners, on_changed
    from archive.file.objections import _objection_subject
    wiring.register(wiring.FILE_SECTION, "training", training_section)   # archive depends on training
    wiring.register(wiring.COMPLAINT_SUBJECT, "objection", _objection_subject)
    wiring.add_hook(wiring.WORKLIST, worklists.worklist_cards)
    install_listeners()      # the cached file document: stamps move with every write to a file
    wiring.add_hook(wiring.CHANGE_HANDLER, on_changed)
