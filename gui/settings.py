"""Where the GUI keeps its settings. MOBILENET_STUDIO_SETTINGS points at an .ini file instead
of the user's real settings, so tests and screenshots never read or change them."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORGANIZATION = "MobileNetStudio"
APPLICATION = "MobileNet Studio"
SETTINGS_ENV = "MOBILENET_STUDIO_SETTINGS"


def open_settings() -> QSettings:
    override = os.environ.get(SETTINGS_ENV)
    if override:
        return QSettings(override, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


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
