"""Every model of the archive package (for SQLAlchemy, Alembic and convenient imports)."""
from archive.coverage.models import *  # noqa: F401,F403
from archive.exchange.models import *  # noqa: F401,F403
from archive.file.cache import FileDocument, FileStamp  # noqa: F401
from archive.file.models import *  # noqa: F401,F403
from archive.pledges.models import *  # noqa: F401,F403
from archive.repair.models import *  # noqa: F401,F403
from archive.reviews.models import *  # noqa: F401,F403
