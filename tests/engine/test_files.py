"""The one atomic-write helper (engine.files) and output paths checked before any work (issue 18):
nothing half-written is ever left, not on an error, not on SIGTERM; what a `kill -9` left goes on
the next write; files get the permissions any new file gets; a bad --csv/--trace/--out/--onnx/
export path is one line before anything is computed."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.cli import main
from engine.errors import InvalidInput
from engine.files import atomic_path, check_output, clean_stale, write_text

ROOT = Path(__file__).resolve().parents[2]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name or p.name.endswith(".tmp"))


def plain_mode(folder: Path) -> int:
    """What open() gives a new file here: the independent answer for 'follows the umask'."""
    probe = folder / "probe"
    probe.write_text("x")
    mode = stat.S_IMODE(probe.stat().st_mode)
    probe.unlink()
    return mode


def test_a_write_lands_whole_with_ordinary_permissions(tmp_path):
    target = tmp_path / "out.json"
    write_text(target, "{}")
    assert target.read_text() == "{}" and leftovers(tmp_path) == []
    assert stat.S_IMODE(target.stat().st_mode) == plain_mode(tmp_path)


def test_a_failing_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old" and leftovers(tmp_path) == []


HOLD = """
import sys, time
from engine.files import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_text("partial")
    print(tmp, flush=True)
    for _ in range(600):  # a program at work, not one 60 s C call: Python runs handlers between bytecodes
        time.sleep(0.1)
"""


def hold_a_write(target: Path) -> tuple[subprocess.Popen, Path]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    tmp = Path(proc.stdout.readline().strip())
    assert tmp.is_file() and tmp.parent == target.parent and tmp.name.startswith(f".{target.name}.")
    return proc, tmp


def test_sigterm_mid_write_removes_the_temporary(tmp_path):
    proc, tmp = hold_a_write(tmp_path / "trace.json")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == -signal.SIGTERM  # still ends the way SIGTERM ends a process
    assert not tmp.exists() and leftovers(tmp_path) == []


def test_what_kill_9_left_goes_on_the_next_write(tmp_path):
    proc, tmp = hold_a_write(tmp_path / "clip.mp4")
    proc.kill()
    proc.wait(30)
    assert tmp.exists()  # nothing can catch SIGKILL
    live, live_tmp = hold_a_write(tmp_path / "other.png")  # a write still running in another process
    try:
        write_text(tmp_path / "unrelated.txt", "next run")
        assert not tmp.exists() and live_tmp.exists()  # the dead one's file went, the live one's stayed
    finally:
        live.kill()
        live.wait(30)


def test_clean_stale_leaves_foreign_dot_files_alone(tmp_path):
    mine = tmp_path / ".notes.part.txt"  # a user's file that merely looks like ours
    mine.write_text("keep")
    os.utime(mine, (0, 0))
    assert clean_stale(tmp_path) == [] and mine.exists()
    assert clean_stale(tmp_path, legacy=True) == [mine]  # the weights cache's old-style temporaries


@pytest.mark.parametrize("make,message", [
    (lambda d: d / "folder.csv", "is a directory"),
    (lambda d: Path("/proc/x.csv"), "cannot write in /proc"),
    (lambda d: d / "missing" / "x.csv", "does not exist"),
    (lambda d: d / "x.txt", "valid extensions: .csv"),
])
def test_check_output(tmp_path, make, message):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(InvalidInput, match=message):
        check_output(make(tmp_path), option="--csv", suffixes=(".csv",))
    assert leftovers(tmp_path) == []


def test_a_device_is_not_an_output():
    with pytest.raises(InvalidInput, match="not a regular file"):
        check_output("/dev/null", option="--out")


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


PROFILE = ["profile", "mobilenet_v3_small", "--resolution", "32", "--repeats", "3", "--threads", "1", "--no-save"]


@pytest.mark.parametrize("argv,message", [
    (PROFILE + ["--csv", "{d}/folder.csv"], "is a directory"),
    (PROFILE + ["--csv", "/proc/x.csv"], "cannot write in /proc"),
    (PROFILE + ["--trace", "{d}/folder.json"], "is a directory"),
    (PROFILE + ["--trace", "{d}"], "valid extensions: .json"),
    (["detect", "{d}/in.png", "--random-weights", "--out", "/proc/x.png"], "cannot write in /proc"),
    (["export", "mobilenet_v3_small", "--onnx", "{d}/folder.onnx"], "is a directory"),
    (["results", "export", "/proc/e.json"], "cannot write in /proc"),
    (["results", "export", "{d}/folder.json"], "is a directory"),
])
def test_bad_output_paths_fail_first_in_one_line(tmp_path, argv, message, capsys, monkeypatch):
    for name in ("folder.csv", "folder.json", "folder.onnx"):
        (tmp_path / name).mkdir()
    cv2.imwrite(str(tmp_path / "in.png"), np.zeros((64, 64, 3), np.uint8))
    import engine.cli.profile_cmd as profile_cmd

    def measured(*a, **k):
        raise AssertionError("measured before the output path was checked")

    monkeypatch.setattr(profile_cmd, "profile_model", measured)
    assert main([a.format(d=tmp_path) for a in argv]) == 2
    assert message in one_line(capsys)
    assert leftovers(tmp_path) == []


def test_onnx_export_gets_ordinary_permissions(tmp_path, capsys):
    assert main(["export", "mobilenet_v3_small", "--resolution", "32", "--onnx", str(tmp_path / "m.onnx")]) == 0
    assert stat.S_IMODE((tmp_path / "m.onnx").stat().st_mode) == plain_mode(tmp_path)
    assert leftovers(tmp_path) == []


def test_profile_csv_and_trace_are_written_whole(tmp_path, capsys):
    assert main(PROFILE + ["--csv", str(tmp_path / "l.csv"), "--trace", str(tmp_path / "t.json")]) == 0
    assert (tmp_path / "l.csv").read_text().startswith("name,kind,block") and (tmp_path / "t.json").stat().st_size
    assert leftovers(tmp_path) == []


def test_sigterm_during_detect_out_leaves_no_part_file(tmp_path):
    video = tmp_path / "in.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for i in range(2000):
        writer.write(np.full((240, 320, 3), i % 255, np.uint8))
    writer.release()
    log = tmp_path.parent / f"{tmp_path.name}-stderr.txt"  # a file, not a pipe nobody reads until the end
    with open(log, "wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "detect", str(video), "--random-weights",
                                 "--out", str(tmp_path / "out.mp4")], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=stderr)
    started = time.monotonic()
    while not leftovers(tmp_path) and time.monotonic() - started < 120 and proc.poll() is None:
        time.sleep(0.1)
    if not leftovers(tmp_path):
        proc.kill()
        proc.wait(30)
        pytest.fail(f"the recording never started: after {time.monotonic() - started:.0f} s the child "
                    f"exited with {proc.returncode}; its stderr ends: {log.read_text()[-2000:]!r}")
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.mp4").exists()
