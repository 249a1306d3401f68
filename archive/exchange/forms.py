"""Forms of exchange: the import upload."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from core.forms import BaseForm


class UploadForm(BaseForm):
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[FileRequired(message=_l("请选择要上传的 .xlsx 文件"))])
