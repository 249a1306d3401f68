from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from core.enums import DepartmentKind, PersonStatus
from core.forms import BaseForm, ChineseDateField, length, optional, required


class DepartmentForm(BaseForm):
    name = StringField(_l("单位名称"), validators=[required(), length(100)])
    code = StringField(_l("统一社会信用代码"), validators=[optional(), length(18)])
    kind = SelectField(_l("单位类型"), choices=DepartmentKind.choices())
    parent_id = SelectField(_l("上级单位"), coerce=int, validate_choice=False)
    version = HiddenField()


class PersonForm(BaseForm):
    name = StringField(_l("姓名"), validators=[required(), length(50)])
    id_number = StringField(_l("公民身份号码"), validators=[required(), length(18)])
    department_id = SelectField(_l("单位"), coerce=int, validate_choice=False)
    post = StringField(_l("职务"), validators=[optional(), length(100)])
    rank = StringField(_l("职级"), validators=[optional(), length(50)])
    leading = BooleanField(_l("领导职务"))
    entry_date = ChineseDateField(_l("录用日期"), validators=[required()])
    appointed_on = ChineseDateField(_l("任现职时间"), validators=[optional()])
    phone = StringField(_l("联系电话"), validators=[optional(), length(20)])
    email = StringField(_l("电子邮箱（接收激活码和账户通知）"), validators=[optional(), length(254)])
    version = HiddenField()


class PersonEditForm(PersonForm):
    id_number = None
    department_id = None
    reason = StringField(_l("修改原因"), validators=[optional(), length(500)])


class TransferForm(BaseForm):
    department_id = SelectField(_l("调入单位"), coerce=int, validate_choice=False)
    on = ChineseDateField(_l("调动日期"), validators=[required()])
    reason = StringField(_l("调动原因"), validators=[optional(), length(500)])
    version = HiddenField()


class StatusForm(BaseForm):
    status = SelectField(_l("人员状态"), choices=PersonStatus.choices())
    reason = TextAreaField(_l("原因"), validators=[optional(), length(500)])
    version = HiddenField()
