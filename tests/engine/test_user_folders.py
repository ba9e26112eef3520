"""MOBILENET_STUDIO_HOME that cannot hold the app's files: one InvalidInput naming it, and a
measurement whose database is out of reach still lands in a file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from engine import paths
from engine.errors import InvalidInput
from engine.results.transfer import save_or_keep
from tests.engine.test_results import fake_run


@pytest.fixture
def home_is_a_file(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.write_text("")
    monkeypatch.setenv(paths.HOME_ENV, str(home))
    return home


def test_a_home_that_is_a_file_is_named(home_is_a_file):
    for folder in (paths.user_home, paths.cache_dir):
        with pytest.raises(InvalidInput, match="is a file, not a folder") as info:
            folder()
        assert str(home_is_a_file) in str(info.value)


def test_a_home_inside_a_file_cannot_be_created(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "file" / "home"))
    with pytest.raises(InvalidInput, match="cannot be created"):
        paths.user_home()


def test_a_usable_home_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "new" / "home"))
    assert paths.user_home().is_dir() and paths.cache_dir().is_dir()


def test_a_run_is_kept_in_the_temporary_folder_when_the_home_is_unusable(home_is_a_file):
    stored, message = save_or_keep(fake_run())
    assert stored is None
    kept = Path(message.split("it is kept in ", 1)[1].split(":", 1)[0])
    try:
        assert kept.parent == Path(tempfile.gettempdir()) and kept.is_file()
    finally:
        kept.unlink(missing_ok=True)
