from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Email, Optional

from core.enums import Role
from core.forms import BaseForm, length, required


class LoginForm(BaseForm):
    username = StringField(_l("用户名"), validators=[required(), length(64)])
    password = PasswordField(_l("密码"), validators=[required(), length(256)])


class ReauthForm(BaseForm):
    password = PasswordField(_l("密码"), validators=[required(), length(256)])


class PasswordChangeForm(BaseForm):
    current = PasswordField(_l("当前密码"), validators=[required(), length(256)])
    new = PasswordField(_l("新密码"), validators=[required(), length(256)])
    confirm = PasswordField(_l("再次输入新密码"), validators=[required(), length(256)])


class UserForm(BaseForm):
    username = StringField(_l("用户名"), validators=[required(), length(64)])
    display_name = StringField(_l("姓名"), validators=[required(), length(64)])
    email = StringField(_l("电子邮箱"), validators=[Optional(), Email(message=_l("邮箱格式不正确")), length(254)])
    roles = SelectMultipleField(_l("角色"), choices=Role.choices(), validators=[required()])
    department_id = SelectField(_l("管理单位（人事干部、考察评审）"), coerce=int, validate_choice=False)
    person_id = HiddenField(validators=[Optional(), length(12)])
    person_query = StringField(_l("关联人员（公务员）"), validators=[Optional(), length(50)])
    password = PasswordField(_l("初始密码"), validators=[Optional(), length(256)])
    is_enabled = BooleanField(_l("启用"), default=True)


class TotpForm(BaseForm):
    code = StringField(_l("验证码"), validators=[required(), length(32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})


class RolesForm(BaseForm):
    """The security administrator's grant request: the whole role set and the scope."""
    roles = SelectMultipleField(_l("角色"), choices=Role.choices(), validators=[Optional()])
    department_id = SelectField(_l("管理单位（人事干部、考察评审）"), coerce=int, validate_choice=False)
    reason = StringField(_l("申请理由"), validators=[Optional(), length(500)])
