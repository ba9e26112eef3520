"""Overlays for task results, OpenCV only: boxes with label and score, class masks with a
palette, a legend, and the "untrained" banner. Every function returns a new image (the input
frame is never modified), so the CLI's --out files, the GUI views and the live pipeline draw
the same thing from the same (frame, result, display settings).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import cv2
import numpy as np

from engine.errors import InvalidInput

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
MASK_MODES = ("overlay", "mask", "original")
STRIP = 512  # rows blended at a time


def ensure_bgr(frame: np.ndarray) -> np.ndarray:
    """An H×W×3 uint8 BGR view of a frame: grayscale is expanded, a 4th (alpha) channel dropped."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim not in (2, 3):
        got = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise InvalidInput(f"a frame must be an H×W or H×W×3 uint8 array (BGR), got {got}")
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    if frame.shape[2] != 3:
        raise InvalidInput(f"a frame must have 1, 3 or 4 channels, got {frame.shape[2]}")
    if frame.shape[0] < 1 or frame.shape[1] < 1:
        raise InvalidInput(f"a frame must not be empty, got shape {frame.shape}")
    return frame


def palette(count: int) -> np.ndarray:
    """count×3 uint8 BGR colours: the PASCAL VOC colour map (index bits spread over R, G, B),
    so VOC masks look as they do in the dataset and in torchvision's examples; 0 is black."""
    index = np.arange(count)
    rgb = np.zeros((count, 3), np.int64)
    for shift in range(8):
        for channel in range(3):
            bit = (index >> (3 * shift + channel)) & 1
            rgb[:, channel] |= bit << (7 - shift)
    return rgb[:, ::-1].astype(np.uint8)


def class_color(index: int) -> tuple[int, int, int]:
    """A bright BGR colour per class index for boxes (hues spread by the golden ratio, so
    neighbouring indices differ), readable with black text on it."""
    hue = int(180 * ((index * 0.618033988749895) % 1.0))
    hsv = np.array([[[hue, 200, 255]]], np.uint8)
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def text_scale(shape: Sequence[int]) -> tuple[float, int]:
    """(font scale, line thickness) that stay readable from thumbnails to 4K frames."""
    side = min(shape[0], shape[1])
    scale = max(0.4, side / 900)
    return scale, max(1, int(round(scale * 1.6)))


def put_text(image: np.ndarray, text: str, org: tuple[int, int], scale: float, thickness: int,
             color=WHITE, background=BLACK) -> tuple[int, int]:
    """Text on a filled box at org (top-left); returns the box's (width, height). Hershey fonts
    have no em dash, so '—' is drawn as a line."""
    parts = text.split("—")
    dash_w = cv2.getTextSize("--", FONT, scale, thickness)[0][0]
    sizes = [cv2.getTextSize(part, FONT, scale, thickness) for part in parts]
    height = max(s[0][1] + s[1] for s in sizes)
    width = sum(s[0][0] for s in sizes) + dash_w * (len(parts) - 1)
    pad = max(2, thickness * 2)
    x, y = org
    cv2.rectangle(image, (x, y), (x + width + 2 * pad, y + height + 2 * pad), background, cv2.FILLED)
    baseline = y + pad + max(s[0][1] for s in sizes)
    cursor = x + pad
    for i, ((w, _), _) in enumerate(sizes):
        cv2.putText(image, parts[i], (cursor, baseline), FONT, scale, color, thickness, cv2.LINE_AA)
        cursor += w
        if i < len(parts) - 1:
            mid = baseline - int(cv2.getTextSize("x", FONT, scale, thickness)[0][1] / 2)
            cv2.line(image, (cursor + dash_w // 6, mid), (cursor + dash_w - dash_w // 6, mid), color,
                     thickness, cv2.LINE_AA)
            cursor += dash_w
    return width + 2 * pad, height + 2 * pad


def banner(image: np.ndarray, text: str) -> np.ndarray:
    """A line of text across the bottom-left corner, in place (e.g. the untrained warning)."""
    scale, thickness = text_scale(image.shape)
    height = cv2.getTextSize(text, FONT, scale, thickness)[0][1] + 4 * max(2, thickness * 2)
    put_text(image, text, (0, max(0, image.shape[0] - height)), scale, thickness, (0, 0, 0), (0, 215, 255))
    return image


def legend(image: np.ndarray, entries: Sequence[tuple[str, tuple[int, int, int]]]) -> np.ndarray:
    """A colour swatch and a text per entry, stacked at the top-right, in place."""
    scale, thickness = text_scale(image.shape)
    sizes = [put_size(text, scale, thickness) for text, _ in entries]
    if not sizes:
        return image
    swatch = sizes[0][1]
    x = max(0, image.shape[1] - max(w for w, _ in sizes) - swatch)
    y = 0
    for (text, colour), (_, h) in zip(entries, sizes):
        cv2.rectangle(image, (x, y), (x + swatch - 1, y + h - 1), colour, cv2.FILLED)
        put_text(image, text, (x + swatch, y), scale, thickness)
        y += h
    return image


def put_size(text: str, scale: float, thickness: int) -> tuple[int, int]:
    """The (width, height) `put_text` will take for this text."""
    (w, h), base = cv2.getTextSize(text.replace("—", "--"), FONT, scale, thickness)
    pad = max(2, thickness * 2)
    return w + 2 * pad, h + base + 2 * pad


def draw_boxes(frame: np.ndarray, boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray,
               names: Sequence[str], score: float = 0.5) -> np.ndarray:
    """A copy of the frame with every box scoring >= `score`: a rectangle in its class colour
    and 'name 0.87' above it (inside the frame when the box touches the top edge)."""
    image = ensure_bgr(frame).copy()
    scale, thickness = text_scale(image.shape)
    line = max(2, thickness + 1)
    order = np.argsort(scores)  # best last, so it is drawn on top
    for i in order:
        if scores[i] < score:
            continue
        x1, y1, x2, y2 = (int(round(float(v))) for v in boxes[i])
        colour = class_color(int(labels[i]))
        cv2.rectangle(image, (x1, y1), (x2, y2), colour, line)
        text = f"{names[i]} {float(scores[i]):.2f}"
        _, h = put_size(text, scale, thickness)
        top = y1 - h if y1 - h >= 0 else y1
        put_text(image, text, (max(0, x1), max(0, top)), scale, thickness, BLACK, colour)
    return image


def colorize(mask: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """An H×W class-index mask as a BGR image, one row of `colours` (C×3 BGR) per class."""
    lut = np.zeros((256, 1, 3), np.uint8)
    lut[: len(colours), 0] = colours
    return cv2.LUT(cv2.merge([mask, mask, mask]), lut)


def blend_mask(frame: np.ndarray, mask: np.ndarray, colours: np.ndarray, opacity: float) -> np.ndarray:
    """The frame with each non-background pixel tinted by its class colour (soft-edged,
    per-pixel weights: `tint`). Works in strips of rows so a 10000×10000 frame does not need
    gigabytes of copies."""
    if not 0.0 <= opacity <= 1.0:
        raise InvalidInput(f"opacity {opacity:g} is out of range; valid: 0 to 1")
    image = ensure_bgr(frame)
    lut = np.zeros((256, 1, 3), np.uint8)
    lut[: len(colours), 0] = colours
    out = image.copy()
    for top in range(0, image.shape[0], STRIP):
        rows = slice(top, top + STRIP)
        part = mask[rows]
        tint = cv2.LUT(cv2.merge([part, part, part]), lut)
        mixed = cv2.addWeighted(image[rows], 1.0 - opacity, tint, opacity, 0.0)
        cv2.copyTo(mixed, part, out[rows])  # blended only where the mask is set
    return out


@functools.lru_cache(maxsize=4)  # a live stream draws the same size and colour every frame
def _solid(rows: int, cols: int, colour: tuple[int, ...]) -> np.ndarray:
    """A read-only rows×cols image of one BGR colour (numpy's broadcast fill of a 3-vector
    takes ~2 ms at 640×480; per channel it is a memset)."""
    solid = cv2.merge([np.full((rows, cols), c, np.uint8) for c in colour])
    solid.flags.writeable = False
    return solid


def tint(frame: np.ndarray, colour: Sequence[int], alpha: np.ndarray, opacity: float) -> np.ndarray:
    """The frame blended towards one colour with the per-pixel weight alpha × opacity (alpha:
    H×W uint8, 0-255): the selfie model's soft-edged person. Blends only inside the box where
    alpha > 0 (outside it the weight is 0), against a cached one-colour image."""
    if not 0.0 <= opacity <= 1.0:
        raise InvalidInput(f"opacity {opacity:g} is out of range; valid: 0 to 1")
    image = ensure_bgr(frame)
    out = image.copy()
    x, y, w, h = cv2.boundingRect(alpha)
    if w == 0 or h == 0 or opacity == 0.0:
        return out
    solid = _solid(min(STRIP, h), w, tuple(int(c) for c in colour))
    for top in range(y, y + h, STRIP):
        rows, cols = slice(top, min(top + STRIP, y + h)), slice(x, x + w)
        weight = alpha[rows, cols].astype(np.float32) * np.float32(opacity / 255.0)
        out[rows, cols] = cv2.blendLinear(image[rows, cols], solid[: weight.shape[0]], 1.0 - weight, weight)
    return out


def foreground_alpha(probability: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A foreground probability map (h×w float in [0, 1], at network size) as H×W uint8 × 255 at
    `size` (h, w), bilinear: the one upsampling behind the selfie model's mask, its soft-edged
    overlay and any display size it is drawn at."""
    prob = np.clip(probability * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return cv2.resize(prob, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)


def check_mode(mode: str) -> str:
    if mode not in MASK_MODES:
        raise InvalidInput(f"unknown display mode {mode!r}; valid: {', '.join(MASK_MODES)}")
    return mode
