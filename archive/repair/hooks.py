"""Plug credit repair into the file (called by archive.register):

* the file's "repairs" section (API file ``"repairs": [...]`` and the file page);
* complaints about a repair decision: they go through the file's complaint mechanism to HR
  of the parent department;
* HR's workbench cards of pending and overdue applications.
"""
from __future__ import annotations

from core import wiring


def register() -> None:
    from archive.repair.services import complaint_subject, file_section
    from archive.repair.views import worklist_cards
    wiring.register(wiring.FILE_SECTION, "repairs", file_section)
    wiring.register(wiring.COMPLAINT_SUBJECT, "repair", complaint_subject)
    wiring.add_hook(wiring.WORKLIST, worklist_cards)
