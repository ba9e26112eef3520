"""Where the GUI keeps its settings. MOBILENET_STUDIO_SETTINGS points at an .ini file instead
of the user's real settings, so tests and screenshots never read or change them."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "MobileNetStudio"
APPLICATION = "MobileNet Studio"
SETTINGS_ENV = "MOBILENET_STUDIO_SETTINGS"


def open_settings() -> QSettings:
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def settings_problem() -> str | None:
    """One line when the settings file cannot be read or written (the app still starts, with
    defaults, and says it will not remember this session), or None. QSettings itself fails silently."""
    settings = open_settings()
    path = Path(settings.fileName())
    if settings.status() == QSettings.Status.FormatError:
        return f"the settings file {path} cannot be read; starting with defaults"
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing == path:
        writable = path.is_file() and os.access(path, os.W_OK)
    else:
        writable = existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)
    if writable:
        return None
    return (f"the settings file {path} cannot be written; settings will not be remembered this session "
            f"(set {SETTINGS_ENV} to a writable .ini file)")


def to_bool(value: object, default: bool = False) -> bool:
    """QSettings gives back 'true'/'false' strings from .ini files."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def to_list(value: object) -> list[str]:
    """A one-element list round-trips through .ini as a plain string; an empty one as None."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]
