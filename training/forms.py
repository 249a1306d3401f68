"""Forms of training pages. Numbers (hours, score, capacity) arrive as text and are checked by the
services, so every bad value gets the same Chinese message in the UI and the API."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import BaseForm, ChineseDateField, input_required, length, optional, required
from training.enums import CourseCategory, CourseMode, MaterialKind
from training.services import OPTION_KEYS


class CourseForm(BaseForm):
    code = StringField(_l("课程编号"), validators=[required(), length(20)])
    title = StringField(_l("课程名称"), validators=[required(), length(200)])
    category = SelectField(_l("课程类别"), choices=CourseCategory.choices())
    mode = SelectField(_l("培训方式"), choices=CourseMode.choices())
    hours = StringField(_l("学时"), validators=[required(), length(10)])
    integrity = BooleanField(_l("含诚信教育内容（计入诚信教育学时）"))
    pass_mark = StringField(_l("测验及格分"), default="60", validators=[optional(), length(5)])
    description = TextAreaField(_l("课程简介"), validators=[optional(), length(5000)])
    active = BooleanField(_l("开放报名与学习"), default=True)
    version = HiddenField()


class MaterialForm(BaseForm):
    title = StringField(_l("标题"), validators=[required(), length(200)])
    kind = SelectField(_l("资料类型"), choices=MaterialKind.choices())
    order = StringField(_l("顺序"), validators=[optional(), length(4)])
    body = TextAreaField(_l("正文"), validators=[required()])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuestionForm(BaseForm):
    text = TextAreaField(_l("题目"), validators=[required(), length(2000)])
    multiple = BooleanField(_l("多选题（须选中全部正确选项才得分）"))
    option_a = StringField("A", validators=[optional(), length(300)])
    option_b = StringField("B", validators=[optional(), length(300)])
    option_c = StringField("C", validators=[optional(), length(300)])
    option_d = StringField("D", validators=[optional(), length(300)])
    option_e = StringField("E", validators=[optional(), length(300)])
    option_f = StringField("F", validators=[optional(), length(300)])
    correct = MultiCheckboxField(_l("正确答案"), choices=[(k, k) for k in OPTION_KEYS[:6]], validate_choice=False)
    points = StringField(_l("分值"), default="1", validators=[optional(), length(3)])

    def option_texts(self) -> list[str]:
        return [getattr(self, f"option_{k.lower()}").data or "" for k in OPTION_KEYS[:6]]

    def load(self, question) -> None:
        for option in question.options:
            field = getattr(self, f"option_{option['key'].lower()}", None)
            if field is not None:
                field.data = option["text"]
        self.correct.data = list(question.correct)


class SessionForm(BaseForm):
    title = StringField(_l("班次名称"), validators=[optional(), length(100)])
    starts_on = ChineseDateField(_l("开班日期"), validators=[input_required()])
    ends_on = ChineseDateField(_l("结业日期"), validators=[input_required()])
    place = StringField(_l("培训地点"), validators=[required(), length(200)])
    capacity = StringField(_l("容量（人）"), validators=[required(), length(6)])
    organiser = StringField(_l("组织单位"), validators=[optional(), length(100)])


ENROL_MODES = [("person", _l("一名人员")), ("department", _l("单位（含下级）全部在职人员")),
               ("not_meeting", _l("单位（含下级）本年度培训未达标的人员"))]


class EnrolForm(BaseForm):
    mode = RadioField(_l("报名对象"), choices=ENROL_MODES, default="not_meeting")
    person = StringField(_l("姓名或完整公民身份号码"), validators=[optional(), length(50)])
    department_id = SelectField(_l("单位"), coerce=int, validate_choice=False)
    leading_only = BooleanField(_l("仅领导职务人员"))
    new_recruits = BooleanField(_l("仅近 12 个月录用的新录用人员"))
    session_id = SelectField(_l("班次"), coerce=int, validate_choice=False)
    due_on = ChineseDateField(_l("完成期限"), validators=[optional()])


class CompleteForm(BaseForm):
    hours = StringField(_l("学时"), validators=[optional(), length(10)])
    score = StringField(_l("成绩"), validators=[optional(), length(5)])
    completed_on = ChineseDateField(_l("完成日期"), validators=[optional()])
