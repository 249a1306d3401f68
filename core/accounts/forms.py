from __future__ import annotations

from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Email, Optional

from core.enums import Role
from core.forms import BaseForm, length, required


class LoginForm(BaseForm):
    username = StringField("用户名", validators=[required(), length(64)])
    password = PasswordField("密码", validators=[required(), length(256)])


class ReauthForm(BaseForm):
    password = PasswordField("密码", validators=[required(), length(256)])


class PasswordChangeForm(BaseForm):
    current = PasswordField("当前密码", validators=[required(), length(256)])
    new = PasswordField("新密码", validators=[required(), length(256)])
    confirm = PasswordField("再次输入新密码", validators=[required(), length(256)])


class UserForm(BaseForm):
    username = StringField("用户名", validators=[required(), length(64)])
    display_name = StringField("姓名", validators=[required(), length(64)])
    email = StringField("电子邮箱", validators=[Optional(), Email(message="邮箱格式不正确"), length(254)])
    roles = SelectMultipleField("角色", choices=Role.choices(), validators=[required()])
    department_id = SelectField("管理单位（人事干部、考察评审）", coerce=int, validate_choice=False)
    person_id = StringField("关联人员编号（公务员）", validators=[Optional(), length(12)])
    password = PasswordField("初始密码", validators=[Optional(), length(256)])
    is_enabled = BooleanField("启用", default=True)


class TotpForm(BaseForm):
    code = StringField("验证码", validators=[required(), length(32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})
