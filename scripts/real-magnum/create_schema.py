"""Create Magnum's schema in SQLite from its SQLAlchemy models.

`magnum-db-manage upgrade` cannot run on SQLite (a migration alters constraints without batch
mode), so up.sh does what Magnum's unit-test fixture does: `create_all`, then `stamp head`.
Usage: create_schema.py SQLALCHEMY_URL
"""
import sys
import warnings

warnings.filterwarnings("ignore")
import sqlalchemy as sa  # noqa: E402
from magnum.db.sqlalchemy import models  # noqa: E402

engine = sa.create_engine(sys.argv[1])
models.Base.metadata.create_all(engine)
with engine.connect() as conn:
    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
