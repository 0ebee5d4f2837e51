"""Two bounded pools (reader endpoint, writer endpoint) and the failover rules.

Aurora failover, as the application sees it: every connection to the old writer drops; for a while the writer DNS
name can still lead to the demoted instance, now a reader, where a write fails with SQLSTATE 25006
(read_only_sql_transaction). The rules:

- a connection is checked before it is handed out (psycopg_pool's check) and recycled after `max_lifetime`; one
  that fails the check has every idle sibling replaced with it (they were dropped together);
- the writer pool asks libpq for `target_session_attrs=read-write`, so a new connection to a read-only server is
  refused at connect time;
- a read that fails on a broken connection is retried on a fresh one (a read has no effect to repeat); a read that
  found no connection within the pool's timeout is answered unavailable at once;
- a write is retried only when it certainly did not commit: the failure came before COMMIT was sent (a broken
  connection at checkout or at a statement, or 25006). A failure *during* COMMIT is ambiguous and is reported as
  failed-or-unknown, never as done and never retried (a retry could store the comment twice).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from blog.settings import Settings

log = logging.getLogger("blog.database")
T = TypeVar("T")

READ_ATTEMPTS = 3
WRITE_ATTEMPTS = 2
RECONNECT_SECONDS = 2.0


class DatabaseUnavailable(Exception):
    """The database could not serve the request; nothing was changed (for a write: certainly not committed)."""


class WriteOutcomeUnknown(DatabaseUnavailable):
    """The connection broke while COMMIT was in flight: the write may or may not be stored."""


def _transient(exc: BaseException) -> bool:
    # OperationalError covers a dropped connection, a terminated backend (57P01 admin_shutdown is a subclass) and a
    # refused connect; 25006 is the demoted writer.
    return isinstance(exc, psycopg.OperationalError | PoolTimeout | pg_errors.ReadOnlySqlTransaction)


class Database:
    def __init__(self, settings: Settings):
        self.settings = settings
        common = {
            "min_size": settings.pool_min_size, "max_size": settings.pool_max_size,
            "max_lifetime": settings.pool_max_lifetime, "timeout": settings.pool_timeout,
            "open": False,
            # Give up a background reconnect soon: the pool starts a new attempt when a request needs a connection,
            # so after a failover the next request finds the new writer instead of waiting out a long backoff. While
            # a series runs (attempts 1 s, then 2 s apart) no request starts another, so its length is how long a
            # writer that is back can go unused: 10 s left it unused for up to 4 s; 2 s bounds that to about 1 s.
            "reconnect_timeout": RECONNECT_SECONDS,
        }
        self.reader = AsyncConnectionPool(
            kwargs=settings.connection_kwargs(settings.reader_host, writable=False), name="reader",
            check=self._checker("reader"), **common)
        self.writer = AsyncConnectionPool(
            kwargs=settings.connection_kwargs(settings.writer_host, writable=True), name="writer",
            check=self._checker("writer"), **common)

    def _checker(self, which: str) -> Callable[[psycopg.AsyncConnection], Awaitable[None]]:
        async def check(conn: psycopg.AsyncConnection) -> None:
            try:
                await AsyncConnectionPool.check_connection(conn)
            except Exception:
                # A dropped connection is rarely alone: a failover or a restart drops every one. The pool checks the
                # next idle one at once but waits (1 s, then 2 s, ...) before each further one, so a few dead idle
                # connections outlast BLOG_POOL_TIMEOUT and a request is answered 503 with a live server behind it.
                # Replaced all at once, the next attempt waits only for a fresh connection.
                try:
                    await getattr(self, which).drain()
                except Exception as exc:  # e.g. the pool closing at shutdown: the failed check still stands
                    log.warning("could not replace the %s pool's idle connections: %s", which, _one_line(exc))
                raise
        return check

    async def open(self) -> None:
        # wait=False: the task starts (and /healthz answers) while the database is still unreachable; readiness
        # says whether it is.
        await self.reader.open(wait=False)
        await self.writer.open(wait=False)

    async def close(self, timeout: float = 5.0) -> None:
        await self.reader.close(timeout=timeout)
        await self.writer.close(timeout=timeout)

    async def read(self, work: Callable[[psycopg.AsyncConnection], Awaitable[T]]) -> T:
        last: BaseException | None = None
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                async with self.reader.connection() as conn:
                    await conn.set_read_only(True)
                    return await work(conn)
            except Exception as exc:
                if not _transient(exc):
                    raise
                last = exc
                log.warning("read failed (attempt %d of %d): %s", attempt, READ_ATTEMPTS, _one_line(exc))
                if isinstance(exc, PoolTimeout):
                    # The pool already waited BLOG_POOL_TIMEOUT for a connection: waiting again only delays the 503.
                    break
        raise DatabaseUnavailable(_one_line(last)) from None

    async def write(self, work: Callable[[psycopg.AsyncConnection], Awaitable[T]]) -> T:
        last: BaseException | None = None
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            committing = False
            try:
                conn = await self.writer.getconn()
            except PoolTimeout as exc:
                last = exc
                log.warning("write: no writable connection (attempt %d of %d): %s", attempt, WRITE_ATTEMPTS,
                            _one_line(exc))
                continue
            try:
                result = await work(conn)
                committing = True
                await conn.commit()
                return result
            except Exception as exc:
                await _discard_transaction(conn)
                if committing and isinstance(exc, psycopg.OperationalError):
                    raise WriteOutcomeUnknown(_one_line(exc)) from None
                if not _transient(exc):
                    raise
                last = exc
                if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
                    # This connection (and likely its siblings) is on a demoted instance: replace them all.
                    await conn.close()
                    await self.writer.drain()
                log.warning("write not committed (attempt %d of %d): %s", attempt, WRITE_ATTEMPTS, _one_line(exc))
            finally:
                await self.writer.putconn(conn)
        raise DatabaseUnavailable(_one_line(last)) from None

    async def ready(self) -> dict[str, Any]:
        """Whether each endpoint answers now (reader: a query; writer: a query on a server that is not read-only)."""
        state: dict[str, Any] = {}
        for name, pool, sql in (
            ("reader", self.reader, "SELECT 1"),
            ("writer", self.writer, "SELECT current_setting('transaction_read_only') = 'off'"),
        ):
            try:
                async with pool.connection(timeout=min(self.settings.pool_timeout, 3.0)) as conn:
                    row = await (await conn.execute(sql)).fetchone()
                state[name] = "ok" if row and row[0] in (1, True) else "read-only"
            except Exception as exc:
                state[name] = f"unavailable: {_one_line(exc)}"
        return state


async def _discard_transaction(conn: psycopg.AsyncConnection) -> None:
    try:
        if not conn.closed:
            await conn.rollback()
    except Exception:
        pass  # the pool's check replaces a broken connection before it is handed out again


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]
