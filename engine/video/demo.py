"""The demo source: OpenCV's sample video `vtest.avi` (people walking across a campus crossing,
parked cars; fetched into the cache by `weights fetch --demo`, which `make run` runs) when the
cache holds it, else the built-in slideshow: slow pans and zooms over public-domain photos shipped
in assets/demo (see assets/demo/SOURCES.md), so the live view works with no camera and no
download, and is labelled as the fallback it is.

Every frame is a pure function of its number (`demo_frame(n)`), so tests can check frames and two
runs of a benchmark see the same pictures.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from pathlib import Path

from engine import paths

PHOTOS = ("astronaut", "chelsea", "coffee")
SCENE_SECONDS = 8.0  # each photo holds the screen this long (at the clip's nominal fps)
FADE_SECONDS = 0.5  # cross-fade into the next photo


@dataclass(frozen=True)
class Move:
    """One scene's camera move: zoom from z0 to z1 while the view centre goes from c0 to c1
    (centres as fractions of the photo's width and height)."""

    z0: float
    z1: float
    c0: tuple[float, float]
    c1: tuple[float, float]


# Gentle moves that keep each subject in view: in on the astronaut's face, across the cat, out from the cup.
MOVES = {
    "astronaut": Move(1.0, 1.35, (0.5, 0.5), (0.45, 0.35)),
    "chelsea": Move(1.15, 1.0, (0.35, 0.5), (0.6, 0.5)),
    "coffee": Move(1.4, 1.0, (0.5, 0.45), (0.5, 0.5)),
}


DEMO_VIDEO = "vtest"  # the weights-manifest entry of the demo video
VIDEO_CREDIT = "OpenCV sample vtest.avi: a campus crossing, 768×576 at 10 fps (Apache-2.0 / BSD-3-Clause)"
FETCH_HINT = "run 'mobilenet-studio weights fetch --demo' to get the demo video"


def demo_video(verify: bool = True) -> tuple[Path | None, str]:
    """(the cached demo video, re-hashed; or None, and why not). verify=False only looks for the
    file and its sidecar (cheap enough for a UI thread's label; opening the source verifies)."""
    from engine.weights import cache, fetch, manifest

    if not verify:
        entry = manifest.get(DEMO_VIDEO)
        path = cache.converted_path(entry.name, entry.suffix)
        found = path.is_file() and cache.sidecar(path).is_file()
        return (path, "") if found else (None, f"the demo video is not in the cache; {FETCH_HINT}")
    state = fetch.cached_state(manifest.get(DEMO_VIDEO))
    if state.ok:
        return state.path, ""
    if state.status == "missing":
        return None, f"the demo video is not in the cache; {FETCH_HINT}"
    return None, f"the cached demo video is {state.detail or 'corrupt'}; {FETCH_HINT}"


@functools.lru_cache(maxsize=None)
def photo(name: str) -> np.ndarray:
    """A demo photo as BGR uint8 (read once, then shared read-only)."""
    path = paths.asset("demo", f"{name}.jpg")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise paths.MissingData(f"the demo photo {path} cannot be decoded: the installation is incomplete; "
                                f"reinstall mobilenet-studio")
    image.setflags(write=False)
    return image


def _smooth(t: float) -> float:
    """Ease in and out, so moves start and stop without a jolt."""
    return 0.5 - 0.5 * math.cos(math.pi * min(max(t, 0.0), 1.0))


def view_matrix(photo_hw: tuple[int, int], size: tuple[int, int], zoom: float,
                centre: tuple[float, float]) -> np.ndarray:
    """2×3 affine matrix mapping photo pixels to output pixels: the photo scaled to cover the
    output (like a centre crop) times `zoom`, with photo point `centre` at the output's centre."""
    (ph, pw), (ow, oh) = photo_hw, size
    scale = max(ow / pw, oh / ph) * zoom
    cx, cy = centre[0] * pw, centre[1] * ph
    # Keep the view inside the photo: clamp the centre so no border shows.
    half_w, half_h = ow / (2 * scale), oh / (2 * scale)
    cx = min(max(cx, half_w), pw - half_w)
    cy = min(max(cy, half_h), ph - half_h)
    return np.array([[scale, 0.0, ow / 2 - scale * cx], [0.0, scale, oh / 2 - scale * cy]])


def _scene_view(name: str, t: float, size: tuple[int, int]) -> np.ndarray:
    move, image = MOVES[name], photo(name)
    s = _smooth(t)
    zoom = move.z0 + (move.z1 - move.z0) * s
    centre = (move.c0[0] + (move.c1[0] - move.c0[0]) * s, move.c0[1] + (move.c1[1] - move.c0[1]) * s)
    matrix = view_matrix(image.shape[:2], size, zoom, centre)
    # The view stays inside the photo, so the border mode only decides the outermost pixels'
    # neighbours; OpenCV's replicate path is ~7x faster than reflect (0.3 vs 2.4 ms at 640x480),
    # CPU the live view's capture thread otherwise takes from the model.
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def clip_length(fps: float) -> int:
    """Frames in one pass of the clip (it loops)."""
    return len(PHOTOS) * round(SCENE_SECONDS * fps)


def demo_frame(n: int, size: tuple[int, int] = (640, 480), fps: float = 30.0) -> np.ndarray:
    """Frame `n` (looping) of the demo clip as a new BGR uint8 array of `size` (width, height)."""
    per_scene = round(SCENE_SECONDS * fps)
    n %= clip_length(fps)
    scene, k = divmod(n, per_scene)
    name = PHOTOS[scene]
    frame = _scene_view(name, k / per_scene, size)
    fade = round(FADE_SECONDS * fps)
    if k >= per_scene - fade:  # cross-fade into the next photo's first frame
        nxt = _scene_view(PHOTOS[(scene + 1) % len(PHOTOS)], 0.0, size)
        alpha = (k - (per_scene - fade) + 1) / (fade + 1)
        frame = cv2.addWeighted(frame, 1.0 - alpha, nxt, alpha, 0.0)
    return frame
