"""Every model of core, imported for SQLAlchemy and Alembic."""
from core.accounts.models import ActivationBatch, ActivationCode, ApiToken, User, UserRole  # noqa: F401
from core.audit.models import AuditCheckpoint, AuditEvent  # noqa: F401
from core.documents import PrintedDocument  # noqa: F401
from core.files import Attachment  # noqa: F401
from core.jobs import Job  # noqa: F401
from core.notify.models import Notification  # noqa: F401
from core.registry.models import Department, DepartmentAssignment, Person, PersonChange  # noqa: F401
from core.workcal.models import WorkCalendarDay, WorkCalendarYear  # noqa: F401
