"""The request id travels from the web request to the tasks it queues, and a task's lines name the task."""

import logging
from types import SimpleNamespace

from core import celery_observability
from core.logs import LogContextFilter, log_context, log_context_fields


def test_a_published_task_carries_the_request_id_in_its_headers():
    headers: dict = {}
    with log_context(request_id="req-7"):
        celery_observability._publish_with_request_id(headers=headers)

    assert headers == {"request_id": "req-7"}


def test_outside_a_request_no_header_is_added():
    headers: dict = {}
    celery_observability._publish_with_request_id(headers=headers)

    assert headers == {}


def test_a_task_runs_in_a_context_naming_it_and_its_request_until_it_ends():
    task = SimpleNamespace(name="notifications.send", request=SimpleNamespace(request_id="req-7"))

    celery_observability._task_context_enter(task_id="t-1", task=task)
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "sending", (), None)
    LogContextFilter().filter(record)
    celery_observability._task_context_exit(task_id="t-1")

    assert (record.task, record.task_id, record.request_id) == ("notifications.send", "t-1", "req-7")
    assert log_context_fields() == {}


def test_a_forged_request_id_in_a_message_is_replaced():
    task = SimpleNamespace(name="x", request=SimpleNamespace(request_id="bad id\nforged"))

    celery_observability._task_context_enter(task_id="t-2", task=task)
    fields = log_context_fields()
    celery_observability._task_context_exit(task_id="t-2")

    assert fields["request_id"] != "bad id\nforged" and len(fields["request_id"]) == 32
