"""Form helpers shared by every package: Chinese messages, optional dates, select coercion."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

REQUIRED = _l("此项为必填项")


def required():
    return DataRequired(message=REQUIRED)


def input_required():
    return InputRequired(message=REQUIRED)


def length(max_: int, min_: int = -1):
    # WTForms fills in %(min)d / %(max)d
    return Length(min=min_, max=max_, message=_l("长度不能超过 %(max)d 个字符") if min_ < 0 else
                  _l("长度须在 %(min)d 到 %(max)d 个字符之间"))


class ChineseDateField(DateField):
    """A date input whose error message is Chinese."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(str(v) for v in valuelist).strip():
            self.data = None          # a browser sends an empty date input as "": no date, not a bad one
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_("日期格式须为 年-月-日，例如 2026-03-01")) from None

    def validate(self, form, extra_validators=()):
        """A date that could not be read says so (DataRequired would replace it with "必填")."""
        ok = super().validate(form, extra_validators)
        if self.process_errors:
            self.errors = list(self.process_errors) + [e for e in self.errors if str(e) != str(REQUIRED)
                                                       and e not in self.process_errors]
            return False
        return ok


def optional():
    return Optional()


def apply_field_errors(form: FlaskForm, fields: dict) -> None:
    """Show a service's field errors inline on the form (unknown fields go to the form top)."""
    for name, message in fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


class BaseForm(FlaskForm):
    class Meta:
        locales = ("zh_CN", "zh")

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then: no integer a database column cannot hold (an id
        typed as 721213151192 is an inline error, never a 500 from PostgreSQL)."""
        from core.api import DB_INT_MAX
        ok = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, list | tuple) else [field.data]
            if any(isinstance(v, int) and not isinstance(v, bool) and abs(v) > DB_INT_MAX for v in values):
                field.errors = [*field.errors, _("数值超出范围")]
                ok = False
        return ok
