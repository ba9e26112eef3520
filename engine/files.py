"""Reading and writing files: the ONE atomic-write helper every writer in the app goes through,
the check an output path gets before any work is done, and bounded reading of an input file.

`atomic_path(final)` gives a temporary name beside `final` (same folder, so the move is atomic):
`.NAME.PID-RANDOM.part.EXT` — hidden, the final extension kept (OpenCV and torch pick a format
by it), the writer's process id in it. On success the file gets the permissions any new file
gets here (0666 minus the umask, where mkstemp would give 0600) and replaces `final` in one
os.replace. On an exception, Ctrl-C or SIGTERM the temporary file is deleted. A `kill -9`
cannot be caught: the next write into that folder deletes the temporaries whose process is gone.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from engine.errors import InvalidInput

STALE_AGE_S = 3600.0  # temporaries without a process id (older versions) count as stale after an hour
_PID = re.compile(r"\.(\d+)-[^.]+\.part")
_live: set[Path] = set()
_lock = threading.Lock()
_handler_installed = False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file here


def _on_sigterm(previous):
    def handler(signum, frame):
        with _lock:
            for tmp in list(_live):
                tmp.unlink(missing_ok=True)
            _live.clear()
        if callable(previous):
            previous(signum, frame)
        else:  # the default action: end the process the way SIGTERM would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
    return handler


def _install_sigterm_cleanup() -> None:
    """Once, from the main thread, and only over the default or an existing Python handler."""
    global _handler_installed
    if _handler_installed or threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN or previous is None:
        return
    signal.signal(signal.SIGTERM, _on_sigterm(previous))
    _handler_installed = True


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (whoever owns it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def is_stale(path: Path, *, legacy: bool = False, now: float | None = None) -> bool:
    """A temporary of ours whose process is gone; with `legacy`, also one without a process id
    (an older version's) that is more than an hour old."""
    match = _PID.search(path.name)
    if match:
        return int(match.group(1)) != os.getpid() and not process_alive(int(match.group(1)))
    if not legacy:
        return False
    try:
        return (now or time.time()) - path.stat().st_mtime > STALE_AGE_S
    except FileNotFoundError:
        return False


def clean_stale(folder: Path, *, legacy: bool = False) -> list[Path]:
    """Delete stale temporaries in `folder` (see is_stale); returns what went."""
    removed = []
    try:
        candidates = list(folder.glob(".*.part*"))
    except OSError:
        return removed
    for tmp in candidates:
        if tmp.is_file() and is_stale(tmp, legacy=legacy):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


def temp_beside(final: Path) -> Path:
    """Create (empty) and register a temporary file beside `final`."""
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.{os.getpid()}-", suffix=f".part{final.suffix}",
                                dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    with _lock:
        _live.add(tmp)
    _install_sigterm_cleanup()
    return tmp


def discard(tmp: Path) -> None:
    with _lock:
        _live.discard(tmp)
    tmp.unlink(missing_ok=True)


def publish(tmp: Path, final: Path) -> None:
    """Give `tmp` ordinary permissions and move it onto `final`."""
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, final)
    with _lock:
        _live.discard(tmp)


@contextmanager
def atomic_path(final: str | Path, *, make_parents: bool = False) -> Iterator[Path]:
    """A temporary path beside `final` to write; moved onto `final` only if the block succeeds."""
    final = Path(final)
    if make_parents:
        final.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(final.parent)
    tmp = temp_beside(final)
    try:
        yield tmp
        publish(tmp, final)
    finally:
        discard(tmp)


def write_bytes(path: str | Path, data: bytes, **kwargs) -> Path:
    with atomic_path(path, **kwargs) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    return Path(path)


def write_text(path: str | Path, text: str, **kwargs) -> Path:
    return write_bytes(path, text.encode("utf-8"), **kwargs)


def write_with(path: str | Path, write: Callable[..., None], *, newline: str | None = None, **kwargs) -> Path:
    """`write(fh)` into a text file opened on the temporary name (UTF-8)."""
    with atomic_path(path, **kwargs) as tmp:
        with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
            write(fh)
    return Path(path)


def read_json_object(path: str | Path) -> dict:
    """A JSON object kept as a small cache (chosen paths, measured agreements): {} when the file
    is missing, unreadable or not an object, since a cache is measured again, never trusted blind."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check_output(path: str | Path, *, option: str, suffixes: Sequence[str] = (), what: str = "a file") -> Path:
    """An output path that can be written, checked before any work: the extension is one of
    `suffixes` (when given), it is not a directory nor a device, its folder exists, and a file can
    be created there (tried for real, then removed). InvalidInput otherwise, naming `option`."""
    path = Path(path)
    where = f"{option} {path}"
    if suffixes and path.suffix.lower() not in suffixes:
        raise InvalidInput(f"{where}: cannot write {what} as {path.suffix or 'a file without extension'}; "
                           f"valid extensions: {', '.join(suffixes)}")
    if path.is_dir():
        raise InvalidInput(f"{where} is a directory; give a file name")
    if path.exists() and not path.is_file():
        raise InvalidInput(f"{where} is not a regular file (a device or pipe); give a file name")
    if not path.parent.is_dir():
        raise InvalidInput(f"{where}: folder {path.parent} does not exist")
    try:
        discard(temp_beside(path))
    except OSError as exc:
        raise InvalidInput(f"{where}: cannot write in {path.parent} ({exc.strerror or type(exc).__name__})") from None
    return path


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n} bytes"


def check_regular(path: str | Path, *, what: str, max_bytes: int | None = None) -> int:
    """The size of `path` if it is a regular file (of at most `max_bytes`); a folder, a named
    pipe, a device (/dev/zero) or a larger file is one InvalidInput line."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"{path} is a directory, not {what}")
    if not stat.S_ISREG(info.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "a device" if (
            stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)) else "a socket"
        raise InvalidInput(f"{path} is {kind}, not a regular file; {what} must be a regular file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise InvalidInput(f"{path} is {_megabytes(info.st_size)}; the limit for {what} is {_megabytes(max_bytes)}")
    return info.st_size


def read_limited(path: str | Path, *, what: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes` (check_regular); nothing is read past
    the limit."""
    check_regular(path, what=what, max_bytes=max_bytes)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > max_bytes:  # it grew while we looked
        raise InvalidInput(f"{path} is over {_megabytes(max_bytes)}, the limit for {what}")
    return data
