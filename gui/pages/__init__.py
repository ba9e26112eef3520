"""The page registry. A page module calls `register_page(...)` on its factory; the main window
shows every registered page in `order`. Adding a page is adding a module here, nothing else:
`registered_pages()` imports every module in this package before answering.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gui.pages.base import Page

__all__ = ["PageSpec", "register_page", "registered_pages"]


@dataclass(frozen=True)
class PageSpec:
    id: str  # stable: used in settings and as the screenshot file name
    title: str
    order: int
    factory: Callable[[], Page]
    tooltip: str = ""


_PAGES: dict[str, PageSpec] = {}
_NOT_PAGES = {"base"}


def register_page(page_id: str, title: str, order: int, tooltip: str = "") -> Callable:
    """Decorator for a page class or factory. A duplicate id raises: two pages cannot share
    a settings group or a screenshot file."""

    def decorate(factory: Callable[[], Page]) -> Callable[[], Page]:
        existing = _PAGES.get(page_id)
        if existing is not None and existing.factory is not factory:
            raise ValueError(f"page id {page_id!r} is already registered by {existing.factory!r}")
        _PAGES[page_id] = PageSpec(page_id, title, order, factory, tooltip)
        return factory

    return decorate


def _discover() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in _NOT_PAGES and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


def registered_pages() -> list[PageSpec]:
    _discover()
    return sorted(_PAGES.values(), key=lambda spec: (spec.order, spec.id))
