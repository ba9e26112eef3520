"""Files the GUI writes, always atomically (temp file in the same folder + os.replace), so an
interrupted export never leaves a half-written file where the user expects a good one. Charts go
through gui/chart_export.py (pyqtgraph's exporters), never a widget grab."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from engine.api import atomic_path

__all__ = ["atomic_write", "write_csv"]


def atomic_write(path: str | Path, write: Callable[[str], None]) -> Path:
    """Call `write(temp_path)`, then move the result onto `path` (engine.files.atomic_path: the
    temporary keeps the extension, is removed on failure or SIGTERM, and the file gets the
    umask's permissions)."""
    with atomic_path(path, make_parents=True) as tmp:
        write(str(tmp))
    return Path(path)


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))

