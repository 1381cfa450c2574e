"""Reading plates from Python: `from lpr import Reader`.

    reader = Reader(reader="crnn.ckpt", detector="detector.onnx")
    for plate in reader.read("car.jpg"):
        print(plate.text, plate.confidence, plate.box)

Models are checkpoints (torch) or exported MODEL.onnx files (onnxruntime only, no torch import); with a detector
every plate of a photo is read, without one each image is read as a plate crop. The same loading, finding and
reading as `lpr.read`, without Hydra.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lpr.core.boxes import crop_box, xywh
from lpr.core.errors import LprError
from lpr.core.formats import PlateFormats
from lpr.core.images import read_image
from lpr.reading.detector import PlateFinder
from lpr.reading.load import load_engines
from lpr.reading.vote import majority_reading


@dataclass(frozen=True)
class Plate:
    """One plate read: its text, the reader's confidence in [0, 1], each character's, and where it is in the image
    (x, y, w, h)."""
    text: str
    confidence: float
    box: tuple[int, int, int, int]
    char_confidences: tuple[float, ...] = ()


class Reader:
    """Plates in images. `reader`: one model or a list (an ensemble: every crop read by each, one vote per reading);
    `detector`: a plate detector, None to read each image as one plate crop; `formats`: a region's plate patterns
    (configs/formats/), a prior on each reading; `crop_margin`: how much around a found box is read (fractions of
    its width and height)."""

    def __init__(self, reader: str | Path | list[str | Path], detector: str | Path | None = None,
                 formats: list[str] | None = None, crop_margin: tuple[float, float] = (0.04, 0.15),
                 threads: int | None = None):
        paths = [str(path) for path in (reader if isinstance(reader, list) else [reader])]
        onnx = [path.endswith(".onnx") for path in paths]
        if any(onnx) and not all(onnx):
            raise LprError(f"reader: {paths} mixes ONNX models and checkpoints; give one kind")
        self.engines = load_engines(paths, backend="onnx" if all(onnx) else "torch", formats=PlateFormats(formats),
                                    threads=threads)
        self.finder = PlateFinder(str(detector), threads=threads) if detector is not None else None
        self.crop_margin = crop_margin

    def read(self, images):
        """The plates of an image (a path, a BGR NumPy array as OpenCV gives it, or a PIL image), best first; for a
        list of images, a list of such lists."""
        if isinstance(images, list):
            return [self.read_one(image) for image in images]
        return self.read_one(images)

    def read_one(self, image) -> list[Plate]:
        photo = as_bgr(image)
        if self.finder is None:
            boxes = [(0, 0, photo.shape[1], photo.shape[0])]
            crops = [photo]
        else:
            boxes = [xywh(box) for box in self.finder(photo).boxes]
            crops = [crop_box(photo, box, self.crop_margin)[0] for box in boxes]
        if not crops:
            return []
        readings = [reading for engine in self.engines for reading in engine.read_crops(crops)]
        plates = []
        for index, box in enumerate(boxes):
            position, confidence = majority_reading(readings, list(range(index, len(readings), len(crops))))
            plates.append(Plate(readings[position].text, confidence, box, readings[position].char_confidences))
        return sorted(plates, key=lambda plate: -plate.confidence)


def as_bgr(image) -> np.ndarray:
    """A path, a NumPy array (grey, BGR or BGRA) or a PIL image as a BGR uint8 array."""
    if isinstance(image, (str, Path)):
        return read_image(image, color=True)
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise LprError(f"image: a {image.dtype} array of shape {image.shape}; give uint8 H x W (x 3 or 4)")
        import cv2

        if image.ndim == 2:
            return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR) if image.shape[2] == 4 else image
    if hasattr(image, "convert"):  # a PIL image: RGB
        return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    raise LprError(f"image: {type(image).__name__}; give a path, a NumPy array or a PIL image")
