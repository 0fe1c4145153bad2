"""Start-up of every entry point: a configuration error ends the process with one line, not a traceback."""

import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# gunicorn restarts a worker that exits 1, forever; on this status its master halts
# ("App failed to load") and exits with it (gunicorn.arbiter.Arbiter.APP_LOAD_ERROR).
_GUNICORN_APP_LOAD_ERROR = 4


def load_settings_or_exit() -> None:
    """Load the settings module now; if it refuses the environment, say why on stderr and exit."""
    try:
        settings.INSTALLED_APPS  # noqa: B018 (the first setting read imports the settings module)
    except ImproperlyConfigured as error:
        print(f"Configuration error: {error}", file=sys.stderr, flush=True)
        raise SystemExit(_exit_status()) from None


def _exit_status() -> int:
    # A gunicorn worker is a fork of its master, which has imported gunicorn.arbiter.
    return _GUNICORN_APP_LOAD_ERROR if "gunicorn.arbiter" in sys.modules else 1
