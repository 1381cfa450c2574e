"""From photos to readings: load photos in threads, cut the crops a locate mode asks for, read them in large
batches with one or more engines (an ensemble), and keep one reading a photo.

locate=none reads each image as a plate crop; locate=box reads the labelled box at several margins and keeps the
reading most of them agree on; locate=auto reads every OpenCV candidate and keeps the most plate-like reading;
locate=detector reads every plate a trained detector finds, and every line of text PP-OCR's text detector finds,
keeping those that read as plates: one reading a plate.

Nothing is silent: a photo that gives no plate still gives one result, its status saying why (nothing found, every
reading below the locate mode's `min_confidence`, the image too small); a photo scaled down to read says so too.
"""
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from dataclasses import dataclass

import cv2
import numpy as np
from pydantic import PositiveInt, SkipValidation, validate_call

from lpr.core.boxes import crop_box, scaled, xywh
from lpr.core.errors import LprError
from lpr.core.images import PhotoLimits, load_photo
from lpr.data.samples import PlateSample
from lpr.reading.engine import Engine, PlateReading
from lpr.reading.locate import Locate, Margin
from lpr.reading.vote import majority_reading
from lpr.vision.segment import Segmentation, Segmenter

Loader = Callable[[PlateSample], tuple[np.ndarray, float, str]]  # a sample's photo: (BGR image, its scale, a note)


READ = "read"


@dataclass
class PlateResult:
    sample: PlateSample
    text: str
    confidence: float
    box: tuple[int, int, int, int] | None  # where the plate was read, in the photo's own pixels
    crop: np.ndarray
    segmentation: Segmentation | None
    status: str = READ  # or why there is no plate: "no plate found", "image too small (1x1)", ...
    char_confidences: tuple[float, ...] = ()

    @property
    def found(self) -> bool:
        return self.status.startswith(READ)


@dataclass
class PhotoCrops:
    """What one photo gives to read: its crops, each with (plate box, crop box) in the loaded image's pixels and the
    plate of the photo it shows (the crops of a plate, one a margin, vote together), the scale it was loaded at, a note
    on the photo ("" or how it was scaled), and why it was not read ("" if it was)."""
    crops: list[np.ndarray]
    places: list[tuple]
    plates: list[int]
    scale: float = 1.0
    note: str = ""
    unread: str = ""

    @cached_property
    def ranks(self) -> list[int]:
        """Each crop's place among its plate's crops: the index of the margin it was cut at."""
        return [self.plates[:position].count(plate) for position, plate in enumerate(self.plates)]


class PlateReader:
    """Runs one locate mode over samples: loads photos in threads, reads plate crops in large batches. With several
    engines (an ensemble) every crop is read by each, and all the readings of a photo vote together."""

    def __init__(self, engines: list[Engine], locate: Locate, segmenter: Segmenter, threads: int,
                 limits: PhotoLimits = PhotoLimits()):
        self.engines = engines
        self.mode, self.margins, self.min_confidence = locate.mode, locate.margins, locate.min_confidence
        self.locator = locate.locator if self.mode == "auto" else None
        self.finders = locate.finders if self.mode == "detector" else []
        self.check = locate.check
        # crops of a plate read at once: its first majority of margins, the others only where they disagree
        self.first_round = len(self.margins) // 2 + 1
        self.segmenter = segmenter
        self.threads = threads
        self.limits = limits

    def load(self, sample: PlateSample) -> tuple[np.ndarray, float, str]:
        """A sample's photo from its file, within the photo limits: (BGR image, its scale, a note)."""
        return load_photo(sample.image_path, self.limits)

    def plate_crops(self, sample: PlateSample, load: Loader) -> PhotoCrops:
        """The crops to read from one photo; LprError for a bad file or box."""
        image, scale, note = load(sample)
        if min(image.shape[:2]) < self.limits.min_side:
            return PhotoCrops([], [], [], scale, note, unread=f"image too small ({image.shape[1]}x{image.shape[0]}, "
                                                          f"min_side {self.limits.min_side})")
        if self.mode == "none":
            return PhotoCrops([image], [(None, None)], [0], scale, note)
        if self.mode == "box":
            return PhotoCrops(*self.box_crops(sample, image, scale), scale, note)
        if self.finders:
            boxes = [xywh(box) for finder in self.finders for box in finder(image).boxes]
            return PhotoCrops(*self.cut(image, boxes, self.margins), scale, note)
        return PhotoCrops(*self.cut(image, self.locator.candidates(image), [self.locator.crop_margin]), scale, note)

    def box_crops(self, sample: PlateSample, image: np.ndarray, scale: float) -> tuple[list, list, list]:
        if sample.box is None:
            raise LprError(f"{sample.image_path}: locate=box but the input labels no box for it")
        x, y, w, h = sample.box
        height, width = round(image.shape[0] / scale), round(image.shape[1] / scale)
        if w <= 0 or h <= 0 or x >= width or y >= height or x + w <= 0 or y + h <= 0:
            raise LprError(f"{sample.image_path}: box {sample.box} lies outside the {width}x{height} image")
        crops = [crop_box(image, scaled(sample.box, scale), margin) for margin in self.margins]
        return [crop for crop, _ in crops], [(origin, origin) for _, origin in crops], [0] * len(crops)

    @staticmethod
    def cut(image: np.ndarray, boxes: list, margins: list[Margin]) -> tuple[list, list, list]:
        """Every candidate box cut at each margin."""
        crops, places, plates = [], [], []
        for plate, box in enumerate(boxes):
            for margin in margins:
                crop, origin = crop_box(image, box, margin)
                if crop.size:
                    crops.append(crop)
                    places.append((box, origin))
                    plates.append(plate)
        return crops, places, plates

    @validate_call  # batch_plates=0 is a config error, not "nothing read"; the lists are used as given
    def read(self, samples: SkipValidation[list[PlateSample]], batch_plates: PositiveInt,
             problems: SkipValidation[list[str]], load: SkipValidation[Loader | None] = None) -> list[PlateResult]:
        """The results of every photo that could be loaded (`self.photos` after the call); a bad one is a problem.
        `load`: how a sample's photo is loaded (images already in memory), by default from its file."""
        self.photos = []
        opencv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)  # the loader threads are the parallelism: OpenCV's own pool would only compete with them
        try:
            return self.read_chunks(samples, batch_plates, problems, load or self.load)
        finally:
            cv2.setNumThreads(opencv_threads)

    def read_chunks(self, samples: list[PlateSample], batch_plates: int, problems: list[str],
                    load: Loader) -> list[PlateResult]:
        results = []
        with ThreadPoolExecutor(self.threads) as pool:
            for start in range(0, len(samples), batch_plates):
                chunk = samples[start:start + batch_plates]
                loaded, crops, owners, boxes, readers, prepared = [], [], [], [], [], []
                # the engine's per-crop work (segmentation) runs here while the loader threads decode the next photos
                for index, item in enumerate(pool.map(lambda sample: self.try_plate_crops(sample, load), chunk)):
                    loaded.append(item)
                    if isinstance(item, str):
                        problems.append(item)
                        continue
                    for reader, engine in enumerate(self.engines):
                        crops += item.crops
                        boxes += item.places
                        owners += [(index, plate) for plate in item.plates]
                        readers += [reader] * len(item.crops)
                        prepared += [engine.prepare(crop) if rank < self.first_round else None
                                     for crop, rank in zip(item.crops, item.ranks)]
                readings = self.read_prepared(crops, owners, readers, prepared)
                results += self.pick(chunk, crops, boxes, owners, readings, loaded)
        return results

    def read_prepared(self, crops: list[np.ndarray], owners: list[tuple[int, int]], readers: list[int],
                      prepared: list) -> list[PlateReading | None]:
        """The readings of the prepared crops, then of the others where a plate's prepared crops disagree: a box's
        first margins that all agree outnumber the rest and have won the vote already (None: a crop left unread).
        Each crop is read by its engine, `self.engines[readers[position]]`."""
        readings: list[PlateReading | None] = [None] * len(crops)
        first = [position for position, item in enumerate(prepared) if item is not None]
        self.read_into(readings, first, readers, lambda engine, positions: engine.read_prepared(
            [prepared[position] for position in positions]))
        texts = defaultdict(set)
        for position in first:
            texts[owners[position]].add(readings[position].text)
        rest = [position for position, item in enumerate(prepared) if item is None and len(texts[owners[position]]) > 1]
        self.read_into(readings, rest, readers, lambda engine, positions: engine.read_crops(
            [crops[position] for position in positions]))
        return readings

    def read_into(self, readings: list, positions: list[int], readers: list[int], read_with) -> None:
        """readings[position] = read_with(engine, its positions), one call per engine."""
        for reader, engine in enumerate(self.engines):
            mine = [position for position in positions if readers[position] == reader]
            for position, reading in zip(mine, read_with(engine, mine) if mine else []):
                readings[position] = reading

    def try_plate_crops(self, sample: PlateSample, load: Loader):
        try:
            return self.plate_crops(sample, load)
        except LprError as error:
            return str(error)

    def pick(self, chunk, crops, boxes, owners, readings, loaded) -> list[PlateResult]:
        """The results of each readable photo: every plate found (locate=detector), or the reading most of its crops
        agree on (locate=box, none), or its most plate-like candidate (locate=auto); those below `min_confidence`
        dropped; a photo left with none gives one result saying why."""
        positions: dict[int, dict[int, list[int]]] = {}  # photo -> plate -> its crops read
        for position, (photo, plate) in enumerate(owners):
            if readings[position] is not None:
                positions.setdefault(photo, {}).setdefault(plate, []).append(position)
        results = []
        for index, sample in enumerate(chunk):
            cut = loaded[index]
            if isinstance(cut, str):
                continue
            self.photos.append(sample)
            if index not in positions:
                found = []
            elif self.finders:
                found = [self.result(sample, cut, readings[p], confidence, boxes[p][0], crops[p])
                         for p, confidence in (majority_reading(readings, mine) for mine in positions[index].values())]
            else:
                mine = [p for plate in positions[index].values() for p in plate]
                found = [self.chosen(sample, cut, mine, crops, boxes, readings)]
            plates = self.check.one_a_plate(found) if self.finders else found
            sure = [result for result in plates if result.confidence >= self.min_confidence]
            results += sure or [self.no_plate(sample, cut, found, plates)]
        return results

    def chosen(self, sample, cut: PhotoCrops, mine: list[int], crops, boxes, readings) -> PlateResult:
        if self.locator is None:
            position, confidence = majority_reading(readings, mine)
        else:
            formats = self.engines[0].formats
            position = max(mine, key=lambda p: self.locator.plausibility(readings[p].text, readings[p].confidence,
                                                                         formats))
            confidence = readings[position].confidence
        reading, (box, origin) = readings[position], boxes[position]
        if self.locator is not None:
            segmentation = reading.segmentation or self.segmenter(crops[position])
            box = self.locator.tighten(box, segmentation.extent(origin, self.locator.min_chars))
        return self.result(sample, cut, reading, confidence, box, crops[position])

    @staticmethod
    def result(sample, cut: PhotoCrops, reading: PlateReading, confidence: float, box, crop) -> PlateResult:
        """A plate read, its box in the photo's own pixels."""
        box = scaled(box, 1 / cut.scale) if box is not None and cut.scale != 1 else box
        return PlateResult(sample, reading.text, confidence, box, crop, reading.segmentation,
                           "; ".join(filter(None, [READ, cut.note])), reading.char_confidences)

    def no_plate(self, sample, cut: PhotoCrops, found: list[PlateResult], plates: list[PlateResult]) -> PlateResult:
        """The one result of a photo without a plate, saying why."""
        if cut.unread:
            why = cut.unread
        elif plates:
            why = (f"no plate: best reading {max(r.confidence for r in plates):.2f} sure, below min_confidence "
                   f"{self.min_confidence}")
        elif found:
            why = self.check.why_none(len(found))
        else:
            why = "no plate found"
        best = max(found, key=lambda r: r.confidence, default=None)
        return PlateResult(sample, "", best.confidence if best else 0.0, None,
                           best.crop if best else np.zeros((8, 8, 3), np.uint8), None,
                           "; ".join(filter(None, [why, cut.note])))
