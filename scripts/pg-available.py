"""Exit 0 when a PostgreSQL server answers on TEST_DATABASE_URL (or 127.0.0.1:5432)."""
import os
import sys

import psycopg

url = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
url = url.replace("postgresql+psycopg://", "postgresql://")
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001
    print(f"PostgreSQL not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(1)
print(url)
