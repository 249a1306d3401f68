"""Forms of reviews: the review, candidates by id number, batch print."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from archive.enums import ReviewPurpose
from core.forms import BaseForm, ChineseDateField, length, optional, required


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReviewForm(BaseForm):
    name = StringField(_l("评审名称"), validators=[required(), length(200)])
    purpose = SelectField(_l("用途"), choices=[SelectChoice(m.value, m.label) for m in ReviewPurpose])
    closes_on = ChineseDateField(_l("截止日期（含当日）"), validators=[required()])
    member_ids = MultiCheckboxField(_l("评审委员"), coerce=int, validate_choice=False)
    id_numbers = TextAreaField(_l("候选人公民身份号码（每行一个，可选）"), validators=[optional(), length(40000)])
    version = HiddenField()


class CandidateIdsForm(BaseForm):
    id_numbers = TextAreaField(_l("公民身份号码（每行一个）"), validators=[optional(), length(40000)])


class PrintForm(BaseForm):
    format = RadioField(_l("输出格式"), choices=[SelectChoice("merged", _l("合并为一个 PDF（每人一个书签）")),
                                              SelectChoice("zip", _l("ZIP 压缩包（每人一个 PDF）"))], default="merged")
