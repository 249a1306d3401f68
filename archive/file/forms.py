"""Forms of the file. They check shape only (required, length, date format); the rules
(sanction of a category, restriction periods, entry checks) live in services/rules."""
from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange

from archive.enums import SANCTIONS_BY_CATEGORY, AwardKind, Category, Grade, JudgmentKind, MatterResult, Severity
from core.forms import BaseForm, ChineseDateField, input_required, length, optional, required


class YearField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_("年度须为四位整数，例如 2025")) from None


def sanction_choices() -> list[tuple[str, str]]:
    """Sanctions labelled with their category: the same 警告 exists in two categories."""
    out = [(s.value, LazyString(_pair_label, c, s)) for c in Category for s in SANCTIONS_BY_CATEGORY[c]
           if s.value != "none"]
    return out + [("none", _l("无（其他类别）"))]


def _pair_label(category, sanction) -> str:
    return f"{category.label}·{sanction.label}"


class AppraisalForm(BaseForm):
    year = YearField(_l("年度"), validators=[input_required(), NumberRange(1950, 2200, message=_l("年度有误"))])
    grade = SelectField(_l("考核等次"), choices=Grade.choices())
    document_no = StringField(_l("文号"), validators=[optional(), length(100)])
    notes = TextAreaField(_l("评语或备注"), validators=[optional(), length(1000)])
    correct = BooleanField(_l("更正已有的考核结果（保留原结果于历史中）"))
    reason = StringField(_l("更正原因"), validators=[optional(), length(500)])
    override_reason = TextAreaField(_l("规则提示的录入理由"), validators=[optional(), length(500)])


class AwardForm(BaseForm):
    kind = SelectField(_l("奖励类型"), choices=AwardKind.choices())
    title = StringField(_l("名称"), validators=[required(), length(200)])
    awarded_on = ChineseDateField(_l("日期"), validators=[input_required()])
    authority = StringField(_l("批准机关"), validators=[required(), length(200)])
    document_no = StringField(_l("文号"), validators=[optional(), length(100)])


class MatterCheckForm(BaseForm):
    year = YearField(_l("年度"), validators=[input_required(), NumberRange(1950, 2200, message=_l("年度有误"))])
    result = SelectField(_l("查核结果"), choices=MatterResult.choices())
    notes = TextAreaField(_l("说明"), validators=[optional(), length(1000)])


class ConvertForm(BaseForm):
    decided_on = ChineseDateField(_l("认定日期"), validators=[input_required()])
    authority = StringField(_l("认定机关"), validators=[required(), length(200)])
    severity = SelectField(_l("情节"), choices=Severity.choices())
    facts = TextAreaField(_l("事实"), validators=[optional(), length(10000)])


class RecordForm(BaseForm):
    category = SelectField(_l("类别"), choices=Category.choices())
    sanction = SelectField(_l("处分或处理"), choices=sanction_choices(), validate_choice=False)
    item = SelectField(_l("事项"), choices=[], validate_choice=False)
    severity = SelectField(_l("情节"), choices=Severity.choices())
    judgment_kind = SelectField(_l("判决类型"), choices=[("", _l("（非司法判决）"))] + JudgmentKind.choices(),
                                validate_choice=False)
    probation_months = SelectField(_l("察看期"), choices=[("", _l("（非留党察看）")), ("12", _l("一年（12个月）")),
                                                       ("24", _l("二年（24个月）"))], validate_choice=False)
    decided_on = ChineseDateField(_l("决定日期"), validators=[input_required()])
    restricted_until = ChineseDateField(_l("影响期截止日期"), validators=[optional()])
    permanent = BooleanField(_l("永久影响"))
    authority = StringField(_l("决定机关"), validators=[required(), length(200)])
    document_no = StringField(_l("文号"), validators=[optional(), length(100)])
    facts = TextAreaField(_l("事实"), validators=[required(), length(10000)])
    facts_private = BooleanField(_l("事实不公开（任何公示中都不显示）"))
    disclosable = BooleanField(_l("可以公示（信用公示）"))
    evidence = MultipleFileField(_l("证据材料（PDF/JPG/PNG）"))
    reason = TextAreaField(_l("修改原因"), validators=[optional(), length(1000)])
    version = HiddenField()


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("原因"), validators=[required(), length(1000)])
    version = HiddenField()


class ExemptForm(BaseForm):
    basis = TextAreaField(_l("容错免责依据"), validators=[required(), length(1000)])
    version = HiddenField()


class ObjectionForm(BaseForm):
    reasons = TextAreaField(_l("异议理由"), validators=[required(), length(5000)])
    attachments = MultipleFileField(_l("证据材料（PDF/JPG/PNG，可多选）"))
    late_reason = TextAreaField(_l("逾期登记理由（异议期届满后由人事干部代为登记时必填）"),
                                validators=[optional(), length(1000)])


class DecisionForm(BaseForm):
    decision = RadioField(_l("处理结果"), choices=[("upheld", _l("异议成立（撤销记录）")), ("rejected", _l("异议不成立（维持记录）"))],
                          validators=[required()])
    reason = TextAreaField(_l("处理理由（将告知本人）"), validators=[required(), length(5000)])
    version = HiddenField()


class ComplaintForm(BaseForm):
    text = TextAreaField(_l("投诉内容"), validators=[required(), length(5000)])


class AnswerForm(BaseForm):
    answer = TextAreaField(_l("答复内容"), validators=[required(), length(5000)])
    version = HiddenField()


class CaseForm(BaseForm):
    started_on = ChineseDateField(_l("立案日期"), validators=[input_required()])
    authority = StringField(_l("立案机关"), validators=[required(), length(200)])
    notes = TextAreaField(_l("说明"), validators=[optional(), length(1000)])


class EndCaseForm(BaseForm):
    ended_on = ChineseDateField(_l("结束日期"), validators=[input_required()])
    version = HiddenField()


class EvidenceForm(BaseForm):
    evidence = MultipleFileField(_l("证据材料（PDF/JPG/PNG）"))
