"""Why Qt could not open a window, found before Qt tries: Qt's own failure is an abort with a
screenful of text ("Could not load the Qt platform plugin xcb ..."). On Linux the xcb plugin needs
system libraries that a desktop may lack (libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, ...);
we ask the dynamic loader which of the plugin's libraries it cannot find (`ldd`), so the list
follows the Qt actually installed, and name the Debian packages that hold them."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PLUGIN = "libqxcb.so"


def debian_package(soname: str) -> str:
    """The package Debian policy (section 8.1) names for a shared library: the soname's name,
    lower-case, with its major version appended (after a hyphen when the name ends in a digit).
    libxcb-cursor.so.0 -> libxcb-cursor0, libxkbcommon-x11.so.0 -> libxkbcommon-x11-0."""
    match = re.fullmatch(r"(.+?)\.so\.(\d+)(?:\.[\d.]+)?", soname)
    if not match:
        return soname
    name, major = match.group(1).lower().replace("_", "-"), match.group(2)
    return f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}"


def xcb_plugin(env: Mapping[str, str]) -> Path | None:
    """The xcb plugin Qt would load: QT_QPA_PLATFORM_PLUGIN_PATH, then QT_PLUGIN_PATH, then Qt's own."""
    folders = [Path(p) for p in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if p]
    folders += [Path(p) / "platforms" for p in env.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    try:
        from PySide6.QtCore import QLibraryInfo  # QtCore loads without a display

        folders.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms")
    except ImportError:
        pass
    return next((f / PLUGIN for f in folders if (f / PLUGIN).is_file()), None)


def missing_libraries(plugin: Path) -> list[str]:
    """Sonames the dynamic loader cannot find for `plugin`, its dependencies' included (empty when
    ldd is not there to ask: Qt's own message is all we have then)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = re.findall(r"^\s*(\S+)\s+=>\s+not found", out, flags=re.MULTILINE)
    return list(dict.fromkeys(found))


def _display_error(display: str) -> str | None:
    """Why libxcb cannot connect to `display`, or None when it can."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None  # missing_libraries has named it already
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        failed = xcb.xcb_connection_has_error(connection)
    finally:
        xcb.xcb_disconnect(connection)
    return f"cannot connect to the X display {display!r}" if failed else None


def platform_problem(env: Mapping[str, str] | None = None) -> str | None:
    """One line saying why no window can open on this Linux desktop, or None (including every
    case that is not ours to judge: other systems, offscreen or Wayland platforms)."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if not platform and env.get("WAYLAND_DISPLAY"):
        return None  # Qt tries Wayland first in a Wayland session
    plugin = xcb_plugin(env)
    missing = missing_libraries(plugin) if plugin else []
    if missing:
        packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
        return (f"Qt's xcb platform plugin cannot load: {', '.join(missing)} not found; on Debian or Ubuntu "
                f"install them with: sudo apt install {packages}")
    display = env.get("DISPLAY", "")
    if not display:
        return ("no display: DISPLAY is not set; start it from a desktop session, or use the command line "
                "('mobilenet-studio --help'); 'mobilenet-studio screenshots DIR' renders the pages without one")
    reason = _display_error(display)
    if reason:
        return f"{reason}; start it from a desktop session, or use the command line ('mobilenet-studio --help')"
    return None
