"""The Celery application, configured from Django settings (CELERY_* names)."""

import os
from pathlib import Path

from celery import Celery

from config.startup import load_settings_or_exit
from core.celery_observability import celery_observability_install

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("appointments_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Django's log format and the request id in tasks; a worker's metrics endpoint (docs/operations.md).
celery_observability_install()


@app.on_configure.connect
def _load_django_settings(sender, **kwargs) -> None:
    """Load Django's settings, on the first read of the Celery config (`worker` and `beat` parse options)."""
    load_settings_or_exit()


@app.on_after_configure.connect
def _ensure_filesystem_broker_folders(sender, **kwargs) -> None:
    """The embedded (filesystem) broker needs its folders before the first message."""
    if not str(sender.conf.broker_url or "").startswith("filesystem://"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
