"""Alembic environment: runs migrations on the connection dazi hands it.

dazi runs migrations itself (see :func:`dazi.db.migrate`); ``alembic`` on the
command line works too with ``-x url=sqlite:///path.db``.
"""

from alembic import context
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine

from dazi.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if url is None:
        raise CommandError("no database to migrate: pass -x url=sqlite:///path.db (or a postgresql:// URL)")
    with create_engine(url).connect() as conn:
        _run(conn)
