"""Forms of pledges. Labels and messages in Chinese (through lazy_gettext); rules live in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, SelectField, StringField, TextAreaField

from archive.enums import PledgeKind
from core.forms import BaseForm, ChineseDateField, length, optional, required


class TemplateForm(BaseForm):
    kind = SelectField(_l("承诺类型"), choices=PledgeKind.choices())
    title = StringField(_l("标题"), validators=[required(), length(100)])
    body = TextAreaField(_l("承诺内容"), validators=[required(), length(20000)])
    publish = BooleanField(_l("保存后立即发布（发布后不可修改）"))
    row_version = HiddenField()


ASSIGN_MODES = [
    ("person", _l("指定人员")),
    ("department", _l("单位（可含下级单位）")),
    ("missing", _l("所有尚无有效任职前承诺的人员")),
]


class AssignForm(BaseForm):
    template_id = SelectField(_l("承诺书模板"), coerce=int, validate_choice=False)
    mode = RadioField(_l("分配对象"), choices=ASSIGN_MODES, default="department")
    person = StringField(_l("人员（姓名或完整公民身份号码）"), validators=[optional(), length(50)])
    department_id = SelectField(_l("单位"), coerce=int, validate_choice=False)
    include_children = BooleanField(_l("包含下级单位"), default=True)
    leading_only = BooleanField(_l("仅领导职务人员"))
    due_on = ChineseDateField(_l("签署截止日期"), validators=[optional()])


class SignForm(BaseForm):
    """The signing form; the inputs stay disabled until the text was read to the end (app.js).
    No required() validators: the service reports every problem at once, precisely."""
    password = PasswordField(_l("登录密码"), validators=[length(256)])
    typed_name = StringField(_l("请输入您的完整姓名作为签名"), validators=[length(50)])
    agree = BooleanField(_l("我已完整阅读上述承诺内容，自愿作出承诺并承诺遵守"))
    text_sha256 = HiddenField()


class FulfilmentForm(BaseForm):
    period = StringField(_l("期间"), validators=[required(), length(20)])
    kept = RadioField(_l("履行情况"), choices=[("1", _l("履行")), ("0", _l("未履行"))],
                      validators=[required()])
    facts = TextAreaField(_l("事实情况"), validators=[optional(), length(5000)])


class CancelForm(BaseForm):
    reason = StringField(_l("撤销原因"), validators=[required(), length(500)])
