"""The Live page's source picker: camera backend and capture size reach the source spec, show
only for a webcam, and come back from the settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from engine import api
from engine.api import SourceSpec
from gui.pages.live_page import live_controls
from gui.widgets.live_controls import CAPTURE_SIZES


def test_camera_backend_and_capture_size_reach_the_spec_and_persist(qtbot, tmp_path):
    controls = live_controls()
    qtbot.addWidget(controls)
    controls.show()
    controls.set_source_kind("demo")
    assert not controls.backend_combo.isVisibleTo(controls) and not controls.capture_combo.isVisibleTo(controls)
    controls.set_source_kind("webcam")
    assert controls.backend_combo.isVisibleTo(controls) and controls.capture_combo.isVisibleTo(controls)
    assert [controls.backend_combo.itemData(i) for i in range(controls.backend_combo.count())] == list(
        api.CAMERA_BACKENDS)

    controls.camera_spin.setValue(2)
    controls.backend_combo.setCurrentIndex(controls.backend_combo.findData("v4l2"))
    controls.capture_combo.setCurrentIndex(CAPTURE_SIZES.index((1280, 720)))
    spec = controls.source_spec()
    assert (spec.kind, spec.camera, spec.backend, spec.capture_size) == ("webcam", 2, "v4l2", (1280, 720))
    assert spec.describe() == "webcam 2 (v4l2) at 1280×720"

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    controls.save_settings(settings)
    again = live_controls()
    qtbot.addWidget(again)
    again.restore_settings(settings)
    assert again.source_spec() == spec


def test_a_missing_camera_fails_in_one_line_with_the_backend_asked_for():
    spec = SourceSpec("webcam", camera=63, backend="v4l2", capture_size=(640, 480))
    with pytest.raises(api.SourceError, match="no camera at index 63"):
        spec.open()


def test_detection_defaults_to_the_engines_pair_and_paths_persist(qtbot, tmp_path):
    """A fresh panel shows the person SSDLite against the COCO SSD, both lanes on the fastest
    exact path; paths the machine cannot run are greyed; a chosen lane-B path comes back."""

    controls = live_controls()
    qtbot.addWidget(controls)
    controls.restore_settings(QSettings(str(tmp_path / "empty.ini"), QSettings.Format.IniFormat))
    assert controls.task() == "detect" and controls.models() == list(api.LIVE_DEFAULT_PAIR)
    assert controls.paths() == (None, None)  # fastest exact, B the same as A
    offered = {controls.path_combo.itemData(i): controls.path_combo.model().item(i)
               for i in range(1, controls.path_combo.count())}
    exact = {s.name: s for s in api.path_statuses() if s.exact}
    assert set(offered) == set(exact)
    for name, item in offered.items():
        assert item.isEnabled() == exact[name].available
        assert item.toolTip() == ("" if exact[name].available else exact[name].reason)

    controls.path2_combo.setCurrentIndex(controls.path2_combo.findData("reference"))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    controls.save_settings(settings)
    again = live_controls()
    qtbot.addWidget(again)
    again.restore_settings(settings)
    assert again.paths() == (None, "reference") and again.models() == list(api.LIVE_DEFAULT_PAIR)
