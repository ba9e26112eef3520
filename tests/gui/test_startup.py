"""Start-up problems, each set up for real in a child process: one line on stderr, no traceback.
(No display, a display that is not there, the xcb plugin's system libraries missing, an unusable
MOBILENET_STUDIO_HOME, a settings file that cannot be written.)"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gui.platform_check import PLUGIN, debian_package, missing_libraries, xcb_plugin

ROOT = Path(__file__).resolve().parents[2]
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb platform is Linux's")


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _launch(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gui.launcher", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _one_line(run: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def _system_missing() -> list[str]:
    """Libraries this machine itself lacks for Qt's xcb plugin (then that is the first problem)."""
    plugin = xcb_plugin(os.environ)
    return missing_libraries(plugin) if plugin else []


@LINUX
def test_no_display_is_one_line():
    run = _launch([], _env(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None))
    assert run.returncode == 1
    line = _one_line(run)
    assert ("DISPLAY is not set" in line) if not _system_missing() else ("apt install" in line)


@LINUX
def test_unreachable_display_is_one_line(tmp_path):
    display = ":31999"  # no X server listens there
    assert not Path(f"/tmp/.X11-unix/X{display[1:]}").exists()
    run = _launch([], _env(DISPLAY=display, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM="xcb"))
    assert run.returncode == 1
    line = _one_line(run)
    assert (f"cannot connect to the X display {display!r}" in line) if not _system_missing() else ("apt install" in line)


@pytest.fixture
def plugin_missing_a_library(tmp_path) -> tuple[Path, str]:
    """A copy of Qt's xcb plugin whose libxcb-cursor dependency is renamed to a library no system
    has (same length, so the ELF string table stays valid), beside Qt's real libraries."""
    real = xcb_plugin({})
    if real is None:
        pytest.skip("this PySide6 has no xcb platform plugin")
    qt = real.parents[2]  # .../Qt/plugins/platforms/libqxcb.so -> .../Qt
    fake_qt = tmp_path / "Qt"
    (fake_qt / "plugins" / "platforms").mkdir(parents=True)
    (fake_qt / "lib").symlink_to(qt / "lib")  # the plugin finds Qt through $ORIGIN/../../lib
    data = real.read_bytes()
    old, new = b"\0libxcb-cursor.so.0\0", b"\0libxcb-nosuch.so.0\0"
    assert data.count(old) == 1
    plugin = fake_qt / "plugins" / "platforms" / PLUGIN
    plugin.write_bytes(data.replace(old, new))
    with pytest.raises(OSError, match="libxcb-nosuch.so.0"):  # the loader itself refuses it
        ctypes.CDLL(str(plugin))
    return plugin, "libxcb-nosuch.so.0"


@LINUX
def test_missing_xcb_libraries_name_the_packages(plugin_missing_a_library):
    plugin, soname = plugin_missing_a_library
    run = _launch([], _env(QT_QPA_PLATFORM="xcb", QT_QPA_PLATFORM_PLUGIN_PATH=str(plugin.parent),
                           DISPLAY=":0", WAYLAND_DISPLAY=None))
    assert run.returncode == 1
    line = _one_line(run)
    assert soname in line
    packages = line.split("sudo apt install ", 1)[1].split()
    assert "libxcb-nosuch0" in packages
    assert set(packages) == {debian_package(name) for name in [soname, *_system_missing()]}


@LINUX
@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg to say which package holds a library")
def test_package_names_match_dpkg():
    """The soname -> package rule against dpkg's own answer, for every X library the plugin uses."""
    plugin = xcb_plugin(os.environ)
    if plugin is None:
        pytest.skip("this PySide6 has no xcb platform plugin")
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True).stdout
    sonames = [line.split()[0] for line in ldd.splitlines() if "=> /" in line]
    x_libs = [s for s in sonames if s.lower().startswith(("libxcb", "libx11", "libxkb"))]
    assert len(x_libs) >= 10, ldd
    owners = subprocess.run(["dpkg", "-S", *(f"*/{s}" for s in x_libs)], capture_output=True, text=True).stdout
    by_file = {line.rsplit("/", 1)[1]: line.split(":", 1)[0] for line in owners.splitlines() if "/" in line}
    checked = [s for s in x_libs if s in by_file]  # a library not from a package here is left out
    assert checked, owners
    for soname in checked:
        assert debian_package(soname) == by_file[soname], soname


def test_home_that_is_a_file_is_one_line(tmp_path):
    home = tmp_path / "home-is-a-file"
    home.write_text("not a folder")
    env = _env(MOBILENET_STUDIO_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    cli = subprocess.run([sys.executable, "-m", "engine.cli", "results", "list"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 2
    assert str(home) in _one_line(cli) and "is a file" in cli.stderr
    gui = _launch(["screenshots", str(tmp_path / "shots")], env)
    assert gui.returncode == 2  # bad input, as in the CLI
    assert str(home) in _one_line(gui) and "is a file" in gui.stderr
    assert not (tmp_path / "shots").exists()  # stopped before any work


def test_home_that_cannot_be_created_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    home = blocker / "home"  # a folder can never be made inside a file, whoever runs this
    env = _env(MOBILENET_STUDIO_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    cli = subprocess.run([sys.executable, "-m", "engine.cli", "weights", "list"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 2
    assert str(home) in _one_line(cli) and "cannot be created" in cli.stderr


def test_unwritable_settings_warn_in_one_line_and_the_window_opens(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings = blocker / "settings.ini"
    env = _env(MOBILENET_STUDIO_SETTINGS=str(settings), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-m", "gui.launcher"], cwd=ROOT, env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    killer = threading.Timer(240, proc.kill)  # a hang fails the test instead of blocking the suite
    killer.start()
    try:
        line = proc.stderr.readline()
        with pytest.raises(subprocess.TimeoutExpired):  # still up while it builds the window, and after
            proc.wait(timeout=15)
    finally:
        killer.cancel()
        proc.kill()
        rest = proc.communicate(timeout=60)[1]
    assert str(settings) in line and "cannot be written" in line  # the first thing it says
    assert "settings.py" not in rest  # and QSettings' later writes fail quietly (pages' own faults are theirs)


@LINUX
def test_readme_lists_every_x_library_package_the_plugin_needs():
    plugin = xcb_plugin(os.environ)
    if plugin is None or shutil.which("ldd") is None:
        pytest.skip("needs Qt's xcb plugin and ldd")
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True).stdout
    x_libs = {line.split()[0] for line in ldd.splitlines() if "=>" in line}
    x_libs = {s for s in x_libs if s.lower().startswith(("libxcb", "libx11", "libxkb", "libgl.", "libegl."))}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    apt_line = readme.split("sudo apt install ", 1)[1].split("```", 1)[0].replace("\\", " ").split()
    assert x_libs and {debian_package(s) for s in x_libs} <= set(apt_line)


@LINUX
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb for a display that answers")
def test_a_display_that_answers_is_no_problem():
    """The control for the checks above: a real X server, and nothing is reported (on a machine
    with the libraries Qt's xcb plugin needs; without them the report is right, and tested above)."""
    from gui.platform_check import missing_libraries, platform_problem, xcb_plugin

    plugin = xcb_plugin(os.environ)
    if plugin is None or missing_libraries(plugin):
        pytest.skip("needs Qt's xcb plugin and the system libraries it loads (README: sudo apt install ...)")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as ready:  # Xvfb writes its display number once it accepts clients
            number = ready.readline().strip()
        assert number, "Xvfb did not start"
        env = {"DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
        assert platform_problem(env) is None
        assert platform_problem({**env, "DISPLAY": f":{int(number) + 1000}"}) is not None
    finally:
        server.terminate()
        server.wait(timeout=30)
