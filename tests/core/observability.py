"""Operability test helpers: read /metrics as numbers, capture log lines as production writes them."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from core.logs import JsonFormatter, LogContextFilter


def scrape(client: Client | None = None, **extra) -> str:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    return response.content.decode()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` whose labels include `labels` (summed over the others); 0 if none."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


class CapturedLogs:
    def __init__(self) -> None:
        self.stream = io.StringIO()
        # Each record's message and traceback before the formatter masks anything: what the code said.
        self.raw: list[str] = []

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


class _RawKeepingHandler(logging.StreamHandler):
    def __init__(self, captured: CapturedLogs) -> None:
        super().__init__(captured.stream)
        self.captured = captured

    def emit(self, record: logging.LogRecord) -> None:
        raw = record.getMessage()
        if record.exc_info:
            raw += "\n" + logging.Formatter().formatException(record.exc_info)
        self.captured.raw.append(f"{record.name}: {raw}")
        super().emit(record)


@contextmanager
def json_logs(level: int = logging.INFO) -> Iterator[CapturedLogs]:
    """Every record the root logger lets through at `level`, written by the production formatter."""
    captured = CapturedLogs()
    handler = _RawKeepingHandler(captured)
    handler.addFilter(LogContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
