"""Unbound extension objects; core.app binds them to the application."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from core.db import Base


class _SQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, per_page=None, **kwargs):
        """``page``/``per_page`` from the query string, refusing integers no OFFSET can take (issue 17)."""
        from flask import has_request_context, request

        from core.safe_args import safe_int
        if has_request_context():
            if page is None:
                page = safe_int(request.args.get("page"), 1, minimum=1, maximum=1_000_000)
            if per_page is None:
                per_page = safe_int(request.args.get("per_page"), 20, minimum=1, maximum=kwargs.get("max_per_page") or 500)
        return super().paginate(select, page=page, per_page=per_page, **kwargs)


db = _SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
