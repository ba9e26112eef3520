"""Files the GUI writes, always atomically (temp file in the same folder + os.replace), so an
interrupted export never leaves a half-written file where the user expects a good one."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from PySide6.QtWidgets import QWidget

__all__ = ["atomic_write", "write_csv", "write_png"]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; an export should look like any other file
_FILE_MODE = 0o666 & ~_current_umask()


def atomic_write(path: str | Path, write: Callable[[str], None], suffix: str = "") -> Path:
    """Call `write(temp_path)`, then move the result onto `path`. Cleans up on failure."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_png(widget: QWidget, path: str | Path) -> Path:
    """`widget` as it is drawn now, as a PNG."""
    pixmap = widget.grab()

    def save(tmp: str) -> None:
        if not pixmap.save(tmp, "PNG"):
            raise OSError(f"could not write a PNG to {path}")

    return atomic_write(path, save)
