"""The one image loader: every path lpr reads (training, evaluation, reading plates) comes through here."""
from pathlib import Path

import cv2
import numpy as np

from lpr.errors import LprError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def decode_image(data: bytes, name: str, color: bool = False) -> np.ndarray:
    """Decode encoded image bytes into 8-bit grey (H, W) or BGR (H, W, 3), whatever depth or channels they hold."""
    if not data:
        raise LprError(f"{name}: empty file (0 bytes), not an image")
    if data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[-1024:]:  # OpenCV would decode the half it has
        raise LprError(f"{name}: truncated JPEG (no end-of-image marker)")
    flags = cv2.IMREAD_COLOR if color else cv2.IMREAD_GRAYSCALE  # both also turn 16-bit into 8-bit
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None or image.size == 0:
        raise LprError(f"{name}: not a readable image (corrupt, truncated or not an image format)")
    return image


def read_image(path: str | Path, color: bool = False) -> np.ndarray:
    """Read an image file as 8-bit grey or BGR; an unreadable file raises LprError naming it."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise LprError(f"{path}: cannot read file ({error.strerror})") from None
    return decode_image(data, str(path), color)


def is_image_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES
