"""Reading plates from Python: `from lpr import Reader`.

    reader = Reader()  # the shipped detector and reader (lpr/pretrained/), onnxruntime only
    for plate in reader.read("car.jpg"):
        print(plate.text, plate.confidence, plate.box)

Models are checkpoints (torch) or exported MODEL.onnx files (onnxruntime only, no torch import); with a detector
(and PP-OCR's text detector beside it) every plate of a photo is read, with `detector=None` each image is read as a
plate crop. The reader is assembled as `lpr read` assembles its own (lpr.reading.assemble, from configs/read.yaml),
so both read a photo alike.
"""
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from omegaconf import open_dict

from lpr.core.config import compose_config
from lpr.core.errors import LprError
from lpr.core.images import PhotoLimits, load_photo
from lpr.core.pretrained import SHIPPED
from lpr.data.samples import PlateSample
from lpr.reading.assemble import build_reader, model_paths


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
        cfg = compose_config("read", ["locate=detector" if detector is not None else "locate=none"])
        settable = set(cfg.locate) - {"_target_", "mode", "detector", "text_finder"}
        if unknown := set(locate) - settable:
            raise LprError(f"Reader: no locate setting {', '.join(sorted(unknown))}"
                           + (" (configs/locate/detector.yaml)" if detector is not None else " without a detector"))
        with open_dict(cfg):
            cfg.ckpt_path = [str(path) for path in (reader if isinstance(reader, list) else [reader])]
            cfg.threads = threads
            cfg.formats.patterns = list(formats or [])
            cfg.photo_limits.update(asdict(limits))
            cfg.locate.update(locate)
            if detector is not None:
                cfg.locate.detector.model = str(detector)
                if text_finder is None:
                    cfg.locate.text_finder = None
                else:
                    cfg.locate.text_finder.model = str(text_finder)
        self.pipeline = build_reader(cfg, model_paths(cfg))

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
    """A NumPy array (grey as H x W or H x W x 1, BGR or BGRA) or a PIL image as a BGR uint8 array."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
            raise LprError(f"image: a {image.dtype} array of shape {image.shape}; give uint8 H x W (x 1, 3 or 4)")
        if not image.size:
            raise LprError(f"image: an empty array of shape {image.shape}")
        import cv2

        if image.ndim == 2 or image.shape[2] == 1:
            return cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2BGR)
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR) if image.shape[2] == 4 else image
    if hasattr(image, "convert"):  # a PIL image: RGB
        return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    raise LprError(f"image: {type(image).__name__}; give a path, a NumPy array or a PIL image")
