"""Forms of credit repair: the person's application, HR's decision."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, RadioField, TextAreaField

from archive.enums import CorrectionKind
from archive.repair.services import REASON_MAX, STATEMENT_MAX
from core.forms import BaseForm, input_required, length, optional, required


class RepairApplyForm(BaseForm):
    correction = RadioField(_l("纠正失信行为的方式"), choices=CorrectionKind.choices(),
                            validators=[input_required()])
    statement = TextAreaField(_l("纠正情况说明"), validators=[required(), length(STATEMENT_MAX)])
    evidence = MultipleFileField(_l("证明材料（PDF、JPG、PNG，可多选）"), validators=[optional()])


class RepairDecisionForm(BaseForm):
    decision = RadioField(_l("审核结论"), choices=[("approved", _l("批准修复")), ("rejected", _l("驳回"))],
                          validators=[input_required()])
    reason = TextAreaField(_l("理由"), validators=[optional(), length(REASON_MAX)])
    version = HiddenField()
