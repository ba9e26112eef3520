"""How numbers read in the GUI. Qt-free so the rules are testable and shared by every page.

MAdds and parameters follow the papers' habit of quoting millions ("300.8 M", "3.50 M");
bytes use decimal units like MobileNetV2's Table 3 ("400K" = 400,000 bytes)."""

from __future__ import annotations

__all__ = ["millions", "compact", "size_bytes", "shape", "signed_percent"]


def millions(value: float, decimals: int = 1) -> str:
    """300774272 -> '300.8 M' (decimals=1); 3504872 -> '3.50 M' (decimals=2)."""
    return f"{value / 1e6:.{decimals}f} M"


def compact(value: float) -> str:
    """Per-layer values span six orders of magnitude: 864, 14.8 K, 10.8 M, 1.20 G."""
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{value / 1e9:.2f} G"
    if magnitude >= 1e6:
        return f"{value / 1e6:.1f} M"
    if magnitude >= 1e3:
        return f"{value / 1e3:.1f} K"
    return f"{value:.0f}"


def size_bytes(value: float) -> str:
    """Decimal units: 401408 -> '401.4 kB', 11038720 -> '11.04 MB'."""
    if value >= 1e9:
        return f"{value / 1e9:.2f} GB"
    if value >= 1e6:
        return f"{value / 1e6:.2f} MB"
    if value >= 1e3:
        return f"{value / 1e3:.1f} kB"
    return f"{value:.0f} B"


def shape(dims: tuple[int, ...]) -> str:
    """(1, 32, 112, 112) -> '32×112×112': the batch dimension is always 1 here, so it is noise."""
    shown = dims[1:] if len(dims) > 1 else dims
    return "×".join(str(d) for d in shown) if shown else "—"


def signed_percent(ours: float, theirs: float) -> str:
    """How far our count is from a published one: '+0.3 %', '−1.2 %'."""
    if not theirs:
        return ""
    delta = (ours - theirs) / theirs * 100
    sign = "+" if delta >= 0 else "−"
    return f"{sign}{abs(delta):.1f} %"
