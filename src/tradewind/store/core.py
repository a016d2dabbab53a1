"""The store's plumbing: the engine, opening (mode check, migrations), transactions, redaction.

Every public write of the store is one call to :meth:`StoreCore._write`, i.e. one transaction
that commits before the call returns, or raises and leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tradewind.store.connect import (
    DEFAULT_BUSY_TIMEOUT_S,
    WRITE_OPTION,
    describe,
    make_engine,
    sqlite_path,
)
from tradewind.store.errors import ModeMismatchError, StoreError
from tradewind.store.redaction import clean
from tradewind.store.revisions import packaged_head, stored_revision
from tradewind.store.schema import MetaRow

MODE_KEY = "mode"


class StoreCore:
    """Connection, opening and transactions shared by the store's repositories.

    Parameters
    ----------
    url
        SQLAlchemy URL (SQLite file, in-memory SQLite, or PostgreSQL).
    mode
        The trading mode opening the database. A new database is stamped with it; a database
        stamped with another mode is refused with :class:`ModeMismatchError`. None opens any
        database without stamping it (read-only tools).
    secrets
        Secret values to mask in every text the store writes (``Secrets.values()``);
        credential-shaped text (``api_key=...``, webhook URLs) is masked regardless.
    migrate
        Upgrade the schema to the newest revision on open (default). If False, a database that
        is not at the newest revision is refused.
    create
        Create the database when it does not exist yet (default). False makes read-only tools
        (status, dashboard) fail with :class:`StoreError` instead of creating an empty one.
    busy_timeout
        Seconds a SQLite writer waits for another one.
    durable
        SQLite commits survive a power cut (``synchronous=FULL``, default); False keeps them
        safe against a killed process only (``NORMAL``), for fast simulated replays.
    echo
        Log SQL statements.
    """

    def __init__(
        self,
        url: str | URL,
        *,
        mode: str | None = None,
        secrets: Iterable[str] = (),
        migrate: bool = True,
        create: bool = True,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S,
        durable: bool = True,
        echo: bool = False,
    ) -> None:
        self.url = make_url(url)
        self.database = describe(self.url)
        path = sqlite_path(self.url)
        if not create and path is not None and not path.exists():
            raise StoreError(_missing(self.database))
        self.mode = str(mode) if mode is not None else None
        self._secrets = tuple(s for s in secrets if s)  # redact() applies the length rules
        self.engine = make_engine(self.url, busy_timeout=busy_timeout, durable=durable, echo=echo)
        self._sessions = sessionmaker(expire_on_commit=False)
        event.listen(self._sessions, "before_flush", self._redact_pending)
        try:
            self._open(migrate, create)
        except BaseException:
            self.engine.dispose()
            raise

    # --- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> StoreCore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.database!r}, mode={self.mode!r})"

    def schema_revision(self) -> str | None:
        """The schema revision the database is at."""
        from tradewind.store import migrate

        with self.engine.connect() as conn, conn.begin():
            return migrate.current_revision(conn)

    def owner_mode(self) -> str | None:
        """The trading mode the database is stamped with (None if not stamped yet)."""
        with self._read() as s:
            row = s.get(MetaRow, MODE_KEY)
            return row.value if row is not None else None

    # --- opening -----------------------------------------------------------------------
    def _open(self, run_migrations: bool, create: bool) -> None:
        owner, revision = self._inspect()
        if revision is None and not create:
            raise StoreError(_missing(self.database))
        if self.mode is not None and owner is not None and owner != self.mode:
            raise ModeMismatchError(self.database, owner, self.mode)
        if revision is None and run_migrations and _created(self):  # issue 28: no alembic
            revision = packaged_head()
        if revision is None or revision != packaged_head():
            self._check_or_upgrade(revision, run_migrations)
        if self.mode is not None:
            self._stamp_mode(self.mode)

    def _check_or_upgrade(self, revision: str | None, run_migrations: bool) -> None:
        """Refuse an unknown or (without ``run_migrations``) older schema, or upgrade it: the
        database is not at the newest packaged revision, so alembic decides."""
        from tradewind.store import migrate

        migrate.check_known(revision, self.database)
        head = migrate.head_revision()
        if revision != head:
            if not run_migrations:
                raise StoreError(
                    f"database {self.database} is at schema revision {revision!r}, this "
                    f"tradewind needs {head!r}; open it with migrate=True to upgrade"
                )
            path = sqlite_path(self.url)
            if revision is not None and path is not None:
                migrate.backup_sqlite(path, revision)
            migrate.upgrade(self.engine, database=self.database)

    def _inspect(self) -> tuple[str | None, str | None]:
        try:
            return self._read_stamps()
        except DatabaseError as exc:
            if isinstance(exc, OperationalError):
                raise  # a server or file that cannot be reached: the driver's own words
            raise StoreError(
                f"database {self.database} cannot be read ({exc.orig}): point database.url "
                f"(or TRADEWIND__DATABASE__URL) at a tradewind database, or move this file "
                f"away so that a new one is created"
            ) from exc

    def _read_stamps(self) -> tuple[str | None, str | None]:
        with self.engine.connect() as conn, conn.begin():
            known, revision = stored_revision(conn)
            if not known:  # several version rows: alembic's reading (and its error) applies
                from tradewind.store import migrate

                revision = migrate.current_revision(conn)
            if not inspect(conn).has_table(MetaRow.__tablename__):
                return None, revision
            owner = conn.execute(select(MetaRow.value).where(MetaRow.key == MODE_KEY)).scalar()
            return owner, revision

    def _stamp_mode(self, mode: str) -> None:
        with self._write() as s:
            row = s.get(MetaRow, MODE_KEY)
            if row is None:
                s.add(MetaRow(key=MODE_KEY, value=mode))
                return
            owner = row.value
        if owner != mode:  # stamped by another process since _inspect
            raise ModeMismatchError(self.database, owner, mode)

    # --- transactions ------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on exit."""
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with self._sessions(bind=conn) as session, session.begin():
                yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """One read transaction (a consistent snapshot)."""
        with self.engine.connect() as conn, self._sessions(bind=conn) as session, session.begin():
            yield session

    # --- secrets -----------------------------------------------------------------------
    def _redact_pending(self, session: Session, _context: Any, _instances: Any) -> None:
        for obj in list(session.new) + list(session.dirty):
            for attr in inspect(obj).mapper.column_attrs:
                value = getattr(obj, attr.key)
                clean = self._clean(value)
                if clean is not value and clean != value:
                    setattr(obj, attr.key, clean)

    def _clean(self, value: Any) -> Any:
        return clean(value, self._secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values this store masks in what it writes (bulk writers that bypass the
        sessions, e.g. :mod:`tradewind.review.archive`, mask them too)."""
        return self._secrets


def _created(core: StoreCore) -> bool:
    """Whether the empty database was just created at the newest schema
    (:func:`tradewind.store.fresh.create_schema`)."""
    from tradewind.store.fresh import create_schema

    return create_schema(core.engine)


def _missing(database: str) -> str:
    return (
        f"no tradewind database at {database} yet; check database.url and trading.mode, "
        "or start the trading service once to create it"
    )
