"""The one place a character or plate crop becomes model input, shared by training, evaluation and reading.

Model input is ink-bright on a dark background (ink 1.0, background 0.0), so that a convolution's zero
padding looks like background; crops of either polarity are turned that way here.
"""
import cv2
import numpy as np


def pad_to_aspect(crop: np.ndarray, min_aspect: float, value: int = 0) -> np.ndarray:
    """Pad a crop left and right with `value` so that width >= min_aspect * height (keeps a `1` thin)."""
    missing = int(round(min_aspect * crop.shape[0])) - crop.shape[1]
    if missing <= 0:
        return crop
    return cv2.copyMakeBorder(crop, 0, 0, missing // 2, missing - missing // 2, cv2.BORDER_CONSTANT, value=value)


def ink_bright(gray: np.ndarray) -> np.ndarray:
    """Invert a dark-on-light crop; the border of a character crop is mostly background."""
    border_mean = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]]).mean()
    return 255 - gray if border_mean > gray.mean() else gray


def format_char(gray: np.ndarray, size: int) -> np.ndarray:
    """Grey uint8 crop of any size, polarity and contrast -> uint8 size x size, ink bright, full range."""
    interpolation = cv2.INTER_AREA if gray.shape[0] > size else cv2.INTER_LINEAR
    resized = cv2.resize(gray, (size, size), interpolation=interpolation)
    return ink_bright(cv2.normalize(resized, None, 0, 255, cv2.NORM_MINMAX))


def chars_to_batch(char_crops: list[np.ndarray], size: int) -> np.ndarray:
    """Grey uint8 crops -> float32 (N, 1, size, size) in [0, 1], ready for the classifier."""
    if not char_crops:
        return np.zeros((0, 1, size, size), np.float32)
    return inputs_to_batch([format_char(crop, size) for crop in char_crops])


def plate_input(crop: np.ndarray, height: int, width: int) -> np.ndarray:
    """Grey or BGR uint8 plate crop of any size -> uint8 height x width grey, contrast stretched.

    The one place a plate crop becomes the recognizer's input: training, evaluation and reading use it.
    """
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    interpolation = cv2.INTER_AREA if gray.shape[0] > height else cv2.INTER_LINEAR
    resized = cv2.resize(gray, (width, height), interpolation=interpolation)
    return cv2.normalize(resized, None, 0, 255, cv2.NORM_MINMAX)


def plates_to_batch(plate_crops: list[np.ndarray], height: int, width: int) -> np.ndarray:
    """BGR or grey uint8 plate crops -> float32 (N, 1, height, width) in [0, 1], ready for the recognizer."""
    if not plate_crops:
        return np.zeros((0, 1, height, width), np.float32)
    return inputs_to_batch([plate_input(crop, height, width) for crop in plate_crops])


def inputs_to_batch(inputs: list[np.ndarray]) -> np.ndarray:
    """uint8 model inputs of one size (H, W) -> float32 (N, 1, H, W) in [0, 1]."""
    return (np.stack(inputs).astype(np.float32) / 255.0)[:, None]


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, float]:
    """A photo -> size x size detector input: the longer side resized to `size`, the rest padded right and bottom
    with 0, so the photo keeps its shape; and the scale (input pixels per photo pixel) that maps boxes onto it.

    Pixel for pixel what albumentations' LongestMaxSize (INTER_AREA when shrinking) and top-left PadIfNeeded make;
    the shorter side is rounded to whole pixels, so a box scaled by `scale` lies within half a pixel of theirs.
    """
    height, width = image.shape[:2]
    scale = size / max(height, width)
    resized_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, resized_size, interpolation=interpolation)
    padded = cv2.copyMakeBorder(resized, 0, size - resized.shape[0], 0, size - resized.shape[1], cv2.BORDER_CONSTANT,
                                value=0)
    return padded, scale
