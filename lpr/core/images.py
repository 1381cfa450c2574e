"""The one image loader: every path lpr reads (training, evaluation, reading plates) comes through here.

JPEGs decode with simplejpeg (libjpeg-turbo): the same pixels as OpenCV's decoder, faster and with the GIL
released, so that the reading pipeline's loader threads decode in parallel. OpenCV
decodes the rest, and the JPEGs simplejpeg would decode otherwise than OpenCV: CMYK ones, and photos whose EXIF
orientation OpenCV applies.
"""
import io
from pathlib import Path

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from lpr.core.errors import LprError

EXIF_ORIENTATION = 0x0112  # the EXIF tag OpenCV rotates and flips a photo by
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


def decode_image(data: bytes, name: str, color: bool = False) -> np.ndarray:
    """Decode encoded image bytes into 8-bit grey (H, W) or BGR (H, W, 3), whatever depth or channels they hold."""
    if not data:
        raise LprError(f"{name}: empty file (0 bytes), not an image")
    is_jpeg = data[:2] == b"\xff\xd8"
    if is_jpeg and b"\xff\xd9" not in data[-1024:]:  # OpenCV would decode the half it has
        raise LprError(f"{name}: truncated JPEG (no end-of-image marker)")
    image = decode_jpeg(data, color) if is_jpeg else None
    if image is None:
        flags = cv2.IMREAD_COLOR if color else cv2.IMREAD_GRAYSCALE  # both also turn 16-bit into 8-bit
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None or image.size == 0:
        raise LprError(f"{name}: not a readable image (corrupt, truncated or not an image format)")
    return image


def decode_jpeg(data: bytes, color: bool) -> np.ndarray | None:
    """A JPEG's pixels as OpenCV would decode them, or None where simplejpeg cannot decode it so."""
    try:
        _, _, colorspace, _ = simplejpeg.decode_jpeg_header(data)
        if colorspace not in ("YCbCr", "Gray"):
            return None
        if b"Exif" in data[:65536] and Image.open(io.BytesIO(data)).getexif().get(EXIF_ORIENTATION, 1) != 1:
            return None
        image = simplejpeg.decode_jpeg(data, "BGR" if color else "GRAY")
    except (ValueError, OSError):  # a JPEG it does not support, or a damaged one: OpenCV decides
        return None
    return image if color else image[:, :, 0]


def read_image(path: str | Path, color: bool = False) -> np.ndarray:
    """Read an image file as 8-bit grey or BGR; an unreadable file raises LprError naming it."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise LprError(f"{path}: cannot read file ({error.strerror})") from None
    return decode_image(data, str(path), color)


def is_image_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES
