"""From photos to readings: load photos in threads, cut the crops a locate mode asks for, read them in large
batches with one or more engines (an ensemble), and keep one reading a photo.

locate=none reads each image as a plate crop; locate=box reads the labelled box at several margins and keeps the
reading most of them agree on; locate=auto reads every OpenCV candidate and keeps the most plate-like reading;
locate=detector reads every plate a trained detector finds: one reading a plate, none for a photo without one.
"""
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
import pydantic.dataclasses
from pydantic import PositiveInt, SkipValidation, model_validator, validate_call

from lpr.core.boxes import crop_box, xywh
from lpr.core.errors import LprError
from lpr.core.images import read_image
from lpr.data.samples import PlateSample
from lpr.reading.detector import PlateFinder
from lpr.reading.engine import Engine, PlateReading
from lpr.reading.vote import majority_reading
from lpr.vision.locate import PlateLocator
from lpr.vision.segment import CharSegmenter, Segmentation

Margin = tuple[float, float]  # grown around a box: fractions of its width and height


@pydantic.dataclasses.dataclass(config={"arbitrary_types_allowed": True})  # configs/locate/: refuses a wrong setting
class Locate:
    """Where a photo's plate crops come from. `none`: the image is the crop. `box`: the labelled box, cut at
    `crop_margin` and at each of `vote_margins`; the reading most of the crops agree on wins. `auto`: every
    candidate `locator` finds; the most plate-like reading wins. `detector`: every plate `detector` finds, cut at
    `crop_margin`, each read on its own."""

    mode: Literal["auto", "box", "none", "detector"]
    crop_margin: Margin = (0.0, 0.0)
    vote_margins: list[Margin] = field(default_factory=list)
    locator: PlateLocator | None = None
    detector: PlateFinder | None = None

    @model_validator(mode="after")
    def mode_has_its_finder(self):
        if self.mode == "auto" and self.locator is None:
            raise ValueError("locate=auto needs a locator")
        if self.mode == "detector" and self.detector is None:
            raise ValueError("locate=detector needs a detector")
        return self

    @property
    def margins(self) -> list[Margin]:
        return [self.crop_margin, *self.vote_margins]


@dataclass
class PlateResult:
    sample: PlateSample
    text: str
    confidence: float
    box: tuple[int, int, int, int] | None  # where the plate was read, in the photo
    crop: np.ndarray
    segmentation: Segmentation | None


class PlateReader:
    """Runs one locate mode over samples: loads photos in threads, reads plate crops in large batches. With several
    engines (an ensemble) every crop is read by each, and all the readings of a photo vote together."""

    def __init__(self, engines: list[Engine], locate: Locate, segmenter: CharSegmenter, threads: int):
        self.engines = engines
        self.mode, self.margins = locate.mode, locate.margins
        self.locator = locate.locator if self.mode == "auto" else None
        self.detector = locate.detector if self.mode == "detector" else None
        # crops of a photo read at once: locate=box its first majority of margins, the others only where they disagree
        self.first_round = len(self.margins) // 2 + 1 if self.mode == "box" else sys.maxsize
        self.segmenter = segmenter
        self.threads = threads

    def plate_crops(self, sample: PlateSample) -> tuple[list[np.ndarray], list[tuple]]:
        """The crops to read from one photo, each with (plate box, crop box) in photo pixels; LprError for a bad
        file or box."""
        image = read_image(sample.image_path, color=True)
        if self.mode == "none":
            return [image], [(None, None)]
        if self.mode == "box":
            if sample.box is None:
                raise LprError(f"{sample.image_path}: locate=box but the input labels no box for it")
            x, y, w, h = sample.box
            if w <= 0 or h <= 0 or x >= image.shape[1] or y >= image.shape[0] or x + w <= 0 or y + h <= 0:
                raise LprError(f"{sample.image_path}: box {sample.box} lies outside the {image.shape[1]}x"
                               f"{image.shape[0]} image")
            crops = [crop_box(image, sample.box, margin) for margin in self.margins]
            return [crop for crop, _ in crops], [(origin, origin) for _, origin in crops]
        if self.detector is not None:
            boxes, margin = [xywh(box) for box in self.detector(image).boxes], self.margins[0]
        else:
            boxes, margin = self.locator.candidates(image), self.locator.crop_margin
        crops, places = [], []
        for box in boxes:
            crop, origin = crop_box(image, box, margin)
            if crop.size:
                crops.append(crop)
                places.append((box, origin))
        return crops, places

    @validate_call  # batch_plates=0 is a config error, not "nothing read"; the lists are used as given
    def read(self, samples: SkipValidation[list[PlateSample]], batch_plates: PositiveInt,
             problems: SkipValidation[list[str]]) -> list[PlateResult]:
        """The results of every photo that could be loaded (`self.photos` after the call); a bad one is a problem."""
        self.photos = []
        opencv_threads = cv2.getNumThreads()
        cv2.setNumThreads(1)  # the loader threads are the parallelism: OpenCV's own pool would only compete with them
        try:
            return self.read_chunks(samples, batch_plates, problems)
        finally:
            cv2.setNumThreads(opencv_threads)

    def read_chunks(self, samples: list[PlateSample], batch_plates: int, problems: list[str]) -> list[PlateResult]:
        results = []
        with ThreadPoolExecutor(self.threads) as pool:
            for start in range(0, len(samples), batch_plates):
                chunk = samples[start:start + batch_plates]
                loaded, crops, owners, boxes, readers, prepared = [], [], [], [], [], []
                # the engine's per-crop work (segmentation) runs here while the loader threads decode the next photos
                for index, item in enumerate(pool.map(self.try_plate_crops, chunk)):
                    loaded.append(item)
                    if isinstance(item, str):
                        problems.append(item)
                        continue
                    for reader, engine in enumerate(self.engines):
                        crops += item[0]
                        boxes += item[1]
                        owners += [index] * len(item[0])
                        readers += [reader] * len(item[0])
                        prepared += [engine.prepare(crop) if rank < self.first_round else None
                                     for rank, crop in enumerate(item[0])]
                readings = self.read_prepared(crops, owners, readers, prepared)
                results += self.pick(chunk, crops, boxes, owners, readings, loaded)
        return results

    def read_prepared(self, crops: list[np.ndarray], owners: list[int], readers: list[int],
                      prepared: list) -> list[PlateReading | None]:
        """The readings of the prepared crops, then of the others where a photo's prepared crops disagree: a box's
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

    def try_plate_crops(self, sample: PlateSample):
        try:
            return self.plate_crops(sample)
        except LprError as error:
            return str(error)

    def pick(self, chunk, crops, boxes, owners, readings, loaded) -> list[PlateResult]:
        """One result per readable photo: the reading most of its crops agree on (locate=box, none), or
        (locate=auto) its most plate-like candidate."""
        if self.locator is not None:
            scores = [self.locator.plausibility(r.text, r.confidence, self.engines[0].formats) for r in readings]
        positions: dict[int, list[int]] = {}
        for position, owner in enumerate(owners):
            if readings[position] is not None:
                positions.setdefault(owner, []).append(position)
        results = []
        for index, sample in enumerate(chunk):
            if isinstance(loaded[index], str):
                continue
            self.photos.append(sample)
            if self.detector is not None:  # every plate found is a result; a photo without one has none
                results += [PlateResult(sample, readings[p].text, readings[p].confidence, boxes[p][0], crops[p],
                                        readings[p].segmentation) for p in positions.get(index, [])]
                continue
            if index not in positions:  # no candidate at all: an empty reading, still counted
                results.append(PlateResult(sample, "", 0.0, None, np.zeros((8, 8, 3), np.uint8), None))
                continue
            if self.locator is None:
                position, confidence = majority_reading(readings, positions[index])
            else:
                position = max(positions[index], key=lambda candidate: scores[candidate])
                confidence = readings[position].confidence
            reading, (box, origin) = readings[position], boxes[position]
            if self.locator is not None:
                segmentation = reading.segmentation or self.segmenter(crops[position])
                box = self.locator.tighten(box, segmentation.extent(origin, self.locator.min_chars))
            results.append(PlateResult(sample, reading.text, confidence, box, crops[position], reading.segmentation))
        return results
