"""Number formats shown in the GUI, checked against hand-written expectations."""

from __future__ import annotations

from gui import formatting
from gui.widgets.controls import parse_number


def test_totals_read_like_the_papers():
    assert formatting.millions(300_774_272, 1) == "300.8 M"
    assert formatting.millions(3_504_872, 2) == "3.50 M"


def test_compact_and_bytes_and_shapes():
    assert [formatting.compact(v) for v in (0, 864, 14_848, 10_838_016, 1_200_000_000)] == [
        "0", "864", "14.8 K", "10.8 M", "1.20 G"]
    assert formatting.size_bytes(401_408) == "401.4 kB"
    assert formatting.size_bytes(11_038_720) == "11.04 MB"
    assert formatting.shape((1, 32, 112, 112)) == "32×112×112"
    assert formatting.signed_percent(300.8, 300) == "+0.3 %"
    assert formatting.signed_percent(99, 100) == "−1.0 %"


def test_parse_number_leaves_validation_to_the_engine():
    assert parse_number(" 224 ") == 224 and isinstance(parse_number("224"), int)
    assert parse_number("0.75") == 0.75
    assert parse_number("wide") == "wide"
