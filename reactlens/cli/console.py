"""Where the CLI writes: results on stdout, progress, warnings and errors on stderr."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


class _ConsoleHandler(logging.Handler):
    """Log lines as ``reactlens: warning: ...`` through rich, so they do not break progress bars."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = record.levelname.lower()
            err_console.print(f"reactlens: {level}: {record.getMessage()}", markup=False, soft_wrap=True)
        except Exception:
            self.handleError(record)


def configure_logging(level: int = logging.INFO) -> None:
    """Send the ``reactlens`` logger to stderr."""
    logger = logging.getLogger("reactlens")
    if not any(isinstance(h, _ConsoleHandler) for h in logger.handlers):
        logger.addHandler(_ConsoleHandler())
    logger.setLevel(level)
    logger.propagate = False


@contextmanager
def counting(what: str, total: int, quiet: bool = False) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr for ``total`` items (none when ``quiet``); yields the call that counts one."""
    with Progress(
        TextColumn(what), BarColumn(), MofNCompleteColumn(), console=err_console, disable=quiet, transient=True
    ) as progress:
        task = progress.add_task(what, total=total)
        yield lambda: progress.advance(task)
