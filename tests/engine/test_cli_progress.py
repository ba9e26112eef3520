"""The CLI's one progress display (engine/cli/progress.py): stderr only, short off a terminal."""

from __future__ import annotations

import io

from engine.cli.progress import StderrProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_status_lines_once_and_each_stream_only_its_finished_line():
    out = io.StringIO()
    progress = StderrProgress("frames", stream=out)
    progress("loading")
    progress("loading")  # a heartbeat repeats its message
    for done in range(1, 11):
        progress("detect clip.mp4", done, 10)
    progress("unknown length", 3, None)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in out.getvalue()
    assert lines[0] == "loading"
    assert lines[1].startswith("detect clip.mp4: 10/10 frames in 00:00 (") and lines[1].endswith("frames/s)")
    assert lines[2].startswith("unknown length: 3 frames in ")


def test_bytes_are_scaled_and_a_counter_takes_done_total_callbacks():
    out = io.StringIO()
    StderrProgress(stream=out)("downloading x", 14_200_000, 14_200_000)
    StderrProgress("images", stream=out).counter("evaluating")(5, 5)
    first, second = out.getvalue().splitlines()
    assert first.startswith("downloading x: 14.2MB/14.2MB in ")
    assert second.startswith("evaluating: 5/5 images in ")


def test_on_a_terminal_a_bar_with_rate_and_time_left_then_a_newline():
    out = Terminal()
    progress = StderrProgress("runs", stream=out)
    progress("profiling", 1, 4)
    progress.note("mobilenet_v2 1/224: 3.1 ms")
    progress("profiling", 4, 4)
    text = out.getvalue()
    assert "\r" in text and text.endswith("\n")
    final = text.rsplit("\r", 1)[-1]
    assert "profiling: 100%" in final and "4/4" in final and "runs/s" in final and "<00:00" in final
