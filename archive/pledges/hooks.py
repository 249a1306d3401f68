"""Wiring of pledges into other packages (auto-imported by archive.register_cli):

- automatic pre-appointment assignment (docs/rules.md §5): when a person is registered or appointed
  to a new post, the registry calls ``auto_assign_pre_appointment`` (core never imports archive);
- the pledges section of the integrity file: ``FILE_SECTIONS["pledges"] = file_section``.
"""
from __future__ import annotations

from archive.pledges.services import auto_assign_pre_appointment, file_section
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


_register()
