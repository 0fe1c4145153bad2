"""The worker's and beat's share of logs and metrics, wired through Celery's signals.

- Logging stays Django's LOGGING (JSON or text by LOG_FORMAT) instead of Celery's own
  format; the level is the one given to `celery ... --loglevel`.
- A task runs inside a log context naming the task, its id, and the request id of
  the web request that queued it (carried in a message header).
- A worker started with WORKER_METRICS_PORT serves its metrics on that port: its pool
  processes write to PROMETHEUS_MULTIPROC_DIR and the endpoint sums them.
"""

import logging
import logging.config
from contextlib import ExitStack
from typing import Any

from celery import signals
from django.conf import settings

from core.logs import log_context, log_context_fields, process_role_set
from core.metrics import multiproc_dir, multiproc_dir_reset, worker_metrics_server_start
from core.request_id import request_id_from

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "request_id"
_task_contexts: dict[str, ExitStack] = {}


def _logging_setup(loglevel: Any = None, **kwargs: Any) -> None:
    # Connected at all, this receiver stops Celery from replacing the root handler with its own format.
    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


def _publish_with_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = log_context_fields().get("request_id")
    if headers is not None and request_id and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


def _task_context_enter(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    offered = getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None)
    stack = ExitStack()
    stack.enter_context(
        log_context(
            task=getattr(task, "name", None),
            task_id=task_id,
            request_id=request_id_from(offered) if offered else None,
        )
    )
    _task_contexts[task_id] = stack


def _task_context_exit(task_id: str = "", **kwargs: Any) -> None:
    stack = _task_contexts.pop(task_id, None)
    if stack is not None:
        stack.close()


def _worker_started(**kwargs: Any) -> None:
    process_role_set("worker")
    multiproc_dir_reset()
    port = settings.WORKER_METRICS_PORT
    if not port:
        return
    if not multiproc_dir():
        logger.warning(
            "WORKER_METRICS_PORT is set without PROMETHEUS_MULTIPROC_DIR: "
            "what prefork pool processes count is not seen by the endpoint"
        )
    worker_metrics_server_start(port=port, address=settings.WORKER_METRICS_ADDRESS)


def _beat_started(**kwargs: Any) -> None:
    process_role_set("beat")


def celery_observability_install() -> None:
    """Connect the receivers (weakly held by default, so held strongly here); safe to call twice."""
    signals.setup_logging.connect(_logging_setup, weak=False)
    signals.before_task_publish.connect(_publish_with_request_id, weak=False)
    signals.task_prerun.connect(_task_context_enter, weak=False)
    signals.task_postrun.connect(_task_context_exit, weak=False)
    signals.worker_init.connect(_worker_started, weak=False)
    signals.beat_init.connect(_beat_started, weak=False)
