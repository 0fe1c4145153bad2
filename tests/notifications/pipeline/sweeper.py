"""A sweeper process for the real-worker tests: runs the dispatch tick in a loop, as beat would ask.

python -m tests.notifications.pipeline.sweeper [interval-seconds]
"""

import sys
import time

import django


def main() -> None:
    django.setup()
    from notifications.pipeline.tasks import dispatch_tick_task

    interval = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
    while True:
        dispatch_tick_task()
        time.sleep(interval)


if __name__ == "__main__":
    main()
