"""What the pledges package plugs in (called by archive.register):

- automatic pre-appointment assignment (SPEC §5): when a person is registered or appointed
  to a new post, the registry calls ``auto_assign_pre_appointment`` (core never imports archive);
- the pledges section of the integrity file;
- HR's workbench card of overdue pledges.
"""
from __future__ import annotations

from core import wiring


def register() -> None:
    from archive.pledges.services import auto_assign_pre_appointment, file_section
    from archive.pledges.views import overdue_card
    wiring.add_hook(wiring.PERSON_REGISTERED, auto_assign_pre_appointment)
    wiring.add_hook(wiring.PERSON_APPOINTED, auto_assign_pre_appointment)
    wiring.register(wiring.FILE_SECTION, "pledges", file_section)
    wiring.add_hook(wiring.WORKLIST, overdue_card)
