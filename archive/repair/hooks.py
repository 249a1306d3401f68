"""Plug credit repair into the file (imported at start by archive.register_cli):

* the file's "repairs" section (API file ``"repairs": [...]`` and the file page);
* complaints about a repair decision (``COMPLAINT_SUBJECTS["repair"]``): they go through
  the file's complaint mechanism to HR of the parent department.

HR's home card is registered by archive/repair/views.py.
"""
from __future__ import annotations


def _register() -> None:
    from archive.file.services import COMPLAINT_SUBJECTS, FILE_SECTIONS
    from archive.repair.services import complaint_subject, file_section
    FILE_SECTIONS["repairs"] = file_section
    COMPLAINT_SUBJECTS["repair"] = complaint_subject


_register()
