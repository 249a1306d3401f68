"""The training section of the integrity file (archive depends on training, never the reverse)."""
from __future__ import annotations

from datetime import date

from archive.file.cache import install_listeners
from archive.file.services import FILE_SECTIONS
from core import clock


def training_section(person, as_of: date | None = None) -> dict:
    """API file "training": {"year", "meets", "hours", "integrity_hours", "requirements": [...]}."""
    from training.services import evaluation_to_dict, training_status
    as_of = as_of or clock.today()
    return evaluation_to_dict(training_status(person, as_of.year, as_of))


FILE_SECTIONS["training"] = training_section
install_listeners()      # the cached file document: stamps move with every write to a file
