"""Alembic environment for the project's own tables (never Rasa's ``events`` table)."""
from __future__ import annotations

from alembic import context

from bot.storage.database import Base, make_engine
from bot.storage import annotations, canned_replies, conversations, rate_counts, staff, staff_sessions, tickets  # noqa: F401 (tables)

config = context.config
if config.config_file_name:  # run from the alembic command line
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):
    # Autogenerate must not propose dropping tables that are not ours (Rasa's events,
    # when the tracker store shares the database).
    if type_ == "table" and reflected and compare_to is None:
        return False
    return True


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        from bot.settings import settings

        url = settings().database_url
    return url


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
