"""Progress bars on stderr for long CLI commands (rich), so stdout stays the command's result."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Update = Callable[[int, int], None]


@contextmanager
def progress_bar(label: str, unit: str) -> Iterator[Update]:
    """Yields update(done, total); the bar is drawn in place on a terminal, once at the end
    otherwise (a log file gets one line, not hundreds)."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
