from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from core.enums import DepartmentKind, PersonStatus
from core.forms import BaseForm, ChineseDateField, length, optional, required


class DepartmentForm(BaseForm):
    name = StringField("单位名称", validators=[required(), length(100)])
    code = StringField("统一社会信用代码", validators=[optional(), length(18)])
    kind = SelectField("单位类型", choices=DepartmentKind.choices())
    parent_id = SelectField("上级单位", coerce=int, validate_choice=False)
    version = HiddenField()


class PersonForm(BaseForm):
    name = StringField("姓名", validators=[required(), length(50)])
    id_number = StringField("公民身份号码", validators=[required(), length(18)])
    department_id = SelectField("单位", coerce=int, validate_choice=False)
    post = StringField("职务", validators=[optional(), length(100)])
    rank = StringField("职级", validators=[optional(), length(50)])
    leading = BooleanField("领导职务")
    entry_date = ChineseDateField("录用日期", validators=[required()])
    appointed_on = ChineseDateField("任现职时间", validators=[optional()])
    phone = StringField("联系电话", validators=[optional(), length(20)])
    version = HiddenField()


class PersonEditForm(PersonForm):
    id_number = None
    department_id = None
    reason = StringField("修改原因", validators=[optional(), length(500)])


class TransferForm(BaseForm):
    department_id = SelectField("调入单位", coerce=int, validate_choice=False)
    on = ChineseDateField("调动日期", validators=[required()])
    reason = StringField("调动原因", validators=[optional(), length(500)])
    version = HiddenField()


class StatusForm(BaseForm):
    status = SelectField("人员状态", choices=PersonStatus.choices())
    reason = TextAreaField("原因", validators=[optional(), length(500)])
    version = HiddenField()
