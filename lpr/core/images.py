"""The one image loader: every path lpr reads (training, evaluation, reading plates) comes through here.

JPEGs decode with simplejpeg (libjpeg-turbo): the same pixels as OpenCV's decoder, faster and with the GIL
released, so that the reading pipeline's loader threads decode in parallel. OpenCV
decodes the rest, and the JPEGs simplejpeg would decode otherwise than OpenCV: CMYK ones, and photos whose EXIF
orientation OpenCV applies.

Photos to read come through `load_photo`, which keeps them within `PhotoLimits`: a huge photo is scaled down as it
is decoded (a JPEG at 1/2, 1/4 or 1/8 of its size by the decoder itself, never whole), or refused before decoding.
"""
import io
import warnings
from pathlib import Path

import cv2
import numpy as np
import pydantic.dataclasses
import simplejpeg
from PIL import Image
from pydantic import PositiveInt

from lpr.core.errors import LprError

EXIF_ORIENTATION = 0x0112  # the EXIF tag OpenCV rotates and flips a photo by
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


REDUCED = {2: (cv2.IMREAD_REDUCED_GRAYSCALE_2, cv2.IMREAD_REDUCED_COLOR_2),  # OpenCV's decode at 1/2, 1/4, 1/8
           4: (cv2.IMREAD_REDUCED_GRAYSCALE_4, cv2.IMREAD_REDUCED_COLOR_4),
           8: (cv2.IMREAD_REDUCED_GRAYSCALE_8, cv2.IMREAD_REDUCED_COLOR_8)}


@pydantic.dataclasses.dataclass(frozen=True)
class PhotoLimits:
    """What a photo to read may measure. Below `min_side` pixels a side there is no plate to read; above `max_side`
    it is scaled down to it (plates read at that size are hundreds of pixels wide already); above `max_pixels` a
    photo that is not a JPEG is refused before decoding, since its decoder would hold it whole in memory."""
    min_side: PositiveInt = 16
    max_side: PositiveInt = 4096
    max_pixels: PositiveInt = 150_000_000


def is_jpeg(data: bytes) -> bool:
    return data[:2] == b"\xff\xd8"


def decode_image(data: bytes, name: str, color: bool = False, shrink: int = 1) -> np.ndarray:
    """Decode encoded image bytes into 8-bit grey (H, W) or BGR (H, W, 3), whatever depth or channels they hold;
    `shrink` (1, 2, 4 or 8): the decoder's own reduction, at least that many times smaller a side."""
    if not data:
        raise LprError(f"{name}: empty file (0 bytes), not an image")
    jpeg = is_jpeg(data)
    if jpeg and b"\xff\xd9" not in data[-1024:]:  # OpenCV would decode the half it has
        raise LprError(f"{name}: truncated JPEG (no end-of-image marker)")
    image = decode_jpeg(data, color, shrink) if jpeg else None
    if image is None:  # both also turn 16-bit into 8-bit
        flags = REDUCED[shrink][color] if shrink > 1 else cv2.IMREAD_COLOR if color else cv2.IMREAD_GRAYSCALE
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None or image.size == 0:
        raise LprError(f"{name}: not a readable image (corrupt, truncated or not an image format)")
    return image


def decode_jpeg(data: bytes, color: bool, shrink: int = 1) -> np.ndarray | None:
    """A JPEG's pixels as OpenCV would decode them, or None where simplejpeg cannot decode it so."""
    try:
        height, width, colorspace, _ = simplejpeg.decode_jpeg_header(data)
        if colorspace not in ("YCbCr", "Gray"):
            return None
        if b"Exif" in data[:65536] and Image.open(io.BytesIO(data)).getexif().get(EXIF_ORIENTATION, 1) != 1:
            return None
        image = simplejpeg.decode_jpeg(data, "BGR" if color else "GRAY", min_height=-(-height // shrink),
                                       min_width=-(-width // shrink))
    except (ValueError, OSError):  # a JPEG it does not support, or a damaged one: OpenCV decides
        return None
    return image if color else image[:, :, 0]


def read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise LprError(f"{path}: cannot read file ({error.strerror})") from None


def read_image(path: str | Path, color: bool = False) -> np.ndarray:
    """Read an image file as 8-bit grey or BGR; an unreadable file raises LprError naming it."""
    return decode_image(read_bytes(path), str(path), color)


def image_size(data: bytes, name: str) -> tuple[int, int] | None:
    """(width, height) from the file's header alone, or None where the header says nothing readable."""
    try:
        if is_jpeg(data):
            height, width, _, _ = simplejpeg.decode_jpeg_header(data)
            return width, height
        with warnings.catch_warnings(action="ignore", category=Image.DecompressionBombWarning):
            return Image.open(io.BytesIO(data)).size
    except Image.DecompressionBombError:  # past PIL's own limit, which does not tell the size
        raise LprError(f"{name}: image too large to read (over {2 * Image.MAX_IMAGE_PIXELS:,} pixels): "
                       "scale it down first") from None
    except (ValueError, OSError):
        return None


def load_photo(path: str | Path, limits: PhotoLimits) -> tuple[np.ndarray, float, str]:
    """A photo to read as BGR within `limits`, the scale it was decoded at (1: as it is) and a note saying so
    ("" unless scaled down). LprError for an unreadable file and for one too large to decode."""
    data = read_bytes(path)
    size = image_size(data, str(path))
    if size is None or max(size) <= limits.max_side:
        return decode_image(data, str(path), color=True), 1.0, ""
    width, height = size
    if width * height > limits.max_pixels and not is_jpeg(data):
        raise LprError(f"{path}: image too large to read ({width}x{height}, over max_pixels "
                       f"{limits.max_pixels:,}): scale it down first")
    scale = limits.max_side / max(width, height)
    shrink = max([factor for factor in (1, 2, 4, 8) if factor * scale <= 1])
    image = decode_image(data, str(path), color=True, shrink=shrink)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = cv2.resize(image, target, interpolation=cv2.INTER_AREA)
    return image, scale, f"scaled down from {width}x{height}"


def is_image_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES
