"""The wheel, installed as a user would get it: built from a copy of the source tree, installed
without the source (pip --target, reusing this environment's dependencies), and run from a folder
outside the checkout. An editable install hides a wheel without its data; this does not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, target: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed console script, run with the installed packages first on the path."""
    env = dict(os.environ, PYTHONPATH=str(target), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the folder it was installed into)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "out", "*.egg-info", "__pycache__", ".pytest_cache"))
    dist, target = work / "dist", work / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # offline and without fetching a build back-end: setuptools comes from the test extras
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist),
                    str(source)], check=True, cwd=work, timeout=300)
    (wheel,) = dist.glob("mobilenet_studio-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
                   check=True, cwd=work, timeout=300)
    return wheel, target


def test_wheel_ships_every_asset(installed):
    wheel, _ = installed
    on_disk = {p.relative_to(ROOT / "assets").as_posix() for p in (ROOT / "assets").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n.removeprefix("engine/assets/") for n in zf.namelist() if n.startswith("engine/assets/")}
        top_level = {n.split("/")[0] for n in zf.namelist()}
    assert on_disk and on_disk == shipped
    assert "assets" not in top_level  # a top-level `assets` package would collide in site-packages


def test_installed_app_runs_from_another_folder(installed, tmp_path, capsys):
    _, target = installed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = target / "bin" / "mobilenet-studio"

    where = _run(["-c", "import engine.paths as p, gui; print(p.__file__); print(gui.__file__); print(p.ASSETS)"],
                 elsewhere, target)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).is_relative_to(target), where.stdout  # not the checkout, not an editable install

    from engine.cli import main  # the checkout's CLI in this process: the reference output

    models = _run([str(script), "models", "--json"], elsewhere, target)
    assert models.returncode == 0, models.stderr
    assert main(["models", "--json"]) == 0
    assert json.loads(models.stdout) == json.loads(capsys.readouterr().out)

    stats = _run([str(script), "stats", "mobilenet_v2", "--json"], elsewhere, target)
    assert stats.returncode == 0, stats.stderr
    assert main(["stats", "mobilenet_v2", "--json"]) == 0
    reference = json.loads(capsys.readouterr().out)
    installed_stats = json.loads(stats.stdout)
    assert installed_stats["published"], "the papers' rows did not ship"
    assert installed_stats["published"] == reference["published"]
    assert installed_stats["madds"] == reference["madds"]

    shots = elsewhere / "shots"
    run = _run([str(script), "screenshots", str(shots)], elsewhere, target, timeout=900)
    # status 1 with only "still busy" lines is a slow machine (a page's timing work under load), not
    # a broken install; anything else it says is a failure
    problems = [line for line in run.stderr.splitlines()
                if line.startswith("mobilenet-studio:") and "was still busy after" not in line]
    assert "Traceback" not in run.stderr and not problems, run.stderr
    assert run.returncode == 0 or "was still busy after" in run.stderr, run.stderr
    from gui.pages import registered_pages  # the checkout's page list

    pngs = sorted(p.stem for p in shots.glob("*.png"))
    assert pngs == sorted(spec.id for spec in registered_pages()) == sorted(Path(line).stem for line in run.stdout.split())
    assert all((shots / f"{page}.png").stat().st_size > 0 for page in pngs)


def test_missing_data_is_one_line_naming_the_file(installed, tmp_path):
    _, target = installed
    broken = tmp_path / "site"
    shutil.copytree(target, broken)
    manifest = broken / "engine" / "assets" / "weights" / "manifest.json"
    manifest.unlink()
    run = _run([str(broken / "bin" / "mobilenet-studio"), "weights", "list"], tmp_path, broken)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert str(manifest) in run.stderr
