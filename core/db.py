"""Riding out a database restart: retry a short unit of work while the server is away."""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What a restarting or unreachable server raises; integrity and programming errors are not retried.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)


def retry_on_db_errors(
    work: Callable[[], T],
    *,
    budget_seconds: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `work`; on a lost connection wait (0.2 s, doubling to 5 s) and run it again, for a while.

    `work` must be safe to run twice: one transaction, or conditional updates. Inside a
    transaction nothing can be retried (the transaction is gone), so the error is raised.
    """
    delay, deadline = 0.2, time.monotonic() + budget_seconds
    while True:
        try:
            return work()
        except TRANSIENT_DB_ERRORS as exc:
            if connection.in_atomic_block or time.monotonic() + delay > deadline:
                raise
            logger.warning("database unavailable while %s (%s); trying again in %.1f s", what, exc, delay)
            connection.close()  # the next query opens a fresh connection
            sleep(delay)
            delay = min(delay * 2, 5.0)
