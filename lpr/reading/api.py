"""Reading plates from Python: `from lpr import Reader`.

    reader = Reader()  # the shipped detector and reader (lpr/pretrained/), onnxruntime only
    for plate in reader.read("car.jpg"):
        print(plate.text, plate.confidence, plate.box)

Models are checkpoints (torch) or exported MODEL.onnx files (onnxruntime only, no torch import); with a detector
(and PP-OCR's text detector beside it) every plate of a photo is read, with `detector=None` each image is read as a
plate crop. The same loading, finding
and reading as `lpr.read`, without Hydra.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lpr.core.config import CONFIG_DIR
from lpr.core.errors import LprError
from lpr.core.formats import PlateFormats
from lpr.core.images import PhotoLimits, load_photo
from lpr.core.ppocr import model_file
from lpr.core.pretrained import DETECTOR, SHIPPED, SHIPPED_READERS, pretrained, shipped_or
from lpr.data.samples import PlateSample
from lpr.reading.detector import PlateFinder
from lpr.reading.load import load_engines
from lpr.reading.locate import Locate
from lpr.reading.pipeline import PlateReader
from lpr.reading.text_finder import TextFinder
from lpr.vision.segment import CharSegmenter


@dataclass(frozen=True)
class Plate:
    """One plate read: its text, the reader's confidence in [0, 1], each character's, and where it is in the image
    (x, y, w, h)."""
    text: str
    confidence: float
    box: tuple[int, int, int, int]
    char_confidences: tuple[float, ...] = ()




class Reader:
    """Plates in images. `reader`: one model or a list (an ensemble: every crop read by each, one vote per reading),
    by default the shipped one (`"fast"`: the shipped fast one); `detector`: a plate detector, by default the shipped
    one, None to read each image as one plate crop; `text_finder`: a PP-OCR text detector whose lines are candidates
    too, by default the shipped one, None for the plate detector's boxes only; `formats`: a region's plate patterns
    (configs/formats/), a prior on each reading; `limits`: what a photo may measure (larger ones are read scaled
    down); `locate`: any setting of locate=detector (configs/locate/detector.yaml: crop_margin, vote_margins,
    min_confidence, plate_chars, min_digits, same_plate), as `lpr read` has it unless given."""

    def __init__(self, reader: str | Path | list[str | Path] = SHIPPED, detector: str | Path | None = SHIPPED,
                 text_finder: str | Path | None = SHIPPED, formats: list[str] | None = None,
                 threads: int | None = None, limits: PhotoLimits = PhotoLimits(), **locate):
        from omegaconf import OmegaConf

        as_read = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "locate" / "detector.yaml"))
        finding = {key: value for key, value in as_read.pop("text_finder").items() if not key.startswith("_")}
        settings = {key: value for key, value in as_read.items() if key not in ("_target_", "mode", "detector")}
        ppocr = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "read.yaml").ppocr)
        reader = pretrained(SHIPPED_READERS[reader]) if str(reader) in SHIPPED_READERS else reader
        detector = shipped_or(detector, DETECTOR) if detector is not None else None
        paths = [str(path) for path in (reader if isinstance(reader, list) else [reader])]
        onnx = [model_file(path).endswith(".onnx") for path in paths]
        if any(onnx) and not all(onnx):
            raise LprError(f"reader: {paths} mixes ONNX models and checkpoints; give one kind")
        engines = load_engines(paths, backend="onnx" if all(onnx) else "torch", formats=PlateFormats(formats),
                               threads=threads, ppocr=ppocr)
        finder = PlateFinder(str(detector), threads=threads) if detector is not None else None
        if finder is None:
            locate = Locate(mode="none")
        else:
            if unknown := set(locate) - set(settings):
                raise LprError(f"Reader: no locate setting {', '.join(sorted(unknown))} (configs/locate/detector.yaml)")
            texts = None if text_finder is None else TextFinder(**finding | {"model": str(text_finder),
                                                                            "threads": threads})
            locate = Locate(mode="detector", detector=finder, text_finder=texts, **settings | locate)
        self.pipeline = PlateReader(engines, locate, CharSegmenter(), threads or 2, limits)

    def read(self, images):
        """The plates of an image (a path, a BGR NumPy array as OpenCV gives it, or a PIL image), best first; for a
        list of images, a list of such lists. An image without a plate gives an empty list."""
        if not isinstance(images, list):
            return self.read([images])[0]
        samples, arrays = [], {}
        for index, image in enumerate(images):
            if isinstance(image, (str, Path)):
                samples.append(PlateSample(Path(image)))
            else:
                samples.append(PlateSample(Path(f"<image {index}>")))
                arrays[samples[-1].image_path] = as_bgr(image)
        problems = []
        results = self.pipeline.read(samples, max(1, len(samples)), problems, lambda sample: (
            (arrays[sample.image_path], 1.0, "") if sample.image_path in arrays
            else load_photo(sample.image_path, self.pipeline.limits)))
        if problems:
            raise LprError(problems[0])
        return [sorted((Plate(r.text, r.confidence, r.box or whole_image(r), r.char_confidences)
                        for r in results if r.sample is sample and r.found), key=lambda plate: -plate.confidence)
                for sample in samples]


def whole_image(result) -> tuple[int, int, int, int]:
    """The box of a result read as a whole image (x, y, w, h): its crop is the image."""
    return 0, 0, result.crop.shape[1], result.crop.shape[0]


def as_bgr(image) -> np.ndarray:
    """A NumPy array (grey, BGR or BGRA) or a PIL image as a BGR uint8 array."""
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
