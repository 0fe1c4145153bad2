"""The operator commands' progress bar: tqdm on stderr when it is a terminal, nothing otherwise."""

import sys
from typing import Any


class progress_bar:
    """`with progress_bar(desc=..., unit=...) as bar:` gives a tqdm bar, or None off a terminal.

    Pass `bar.update if bar else None` as the service's progress callback.
    """

    def __init__(self, *, desc: str, unit: str, total: int | None = None) -> None:
        self.options = {"desc": desc, "unit": unit, "total": total}
        self.bar: Any = None

    def __enter__(self) -> Any:
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(file=sys.stderr, **self.options)
        return self.bar

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
