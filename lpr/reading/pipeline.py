"""From photos to readings: load photos in threads, cut the candidates a locate mode asks for, read them in large
batches with one or more engines (an ensemble), and keep one reading a plate.

locate=none reads each image as a plate crop; locate=box reads the labelled box at several margins and keeps the
reading most of them agree on; locate=auto reads every OpenCV candidate and keeps the most plate-like reading;
locate=detector reads every plate a trained detector finds, and every line of text PP-OCR's text detector finds,
keeping those that read as plates: one reading a plate.

Nothing is silent: a photo that gives no plate still gives one result, its status saying why (nothing found, no
candidate reads as a plate, every reading below the locate mode's `min_confidence`, the image too small); a photo
scaled down to read says so in its note.
"""
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import cv2
import numpy as np
from pydantic import PositiveInt, SkipValidation, validate_call

from lpr.core.boxes import crop_box, scaled, xywh
from lpr.core.errors import LprError
from lpr.core.images import PhotoLimits, load_photo
from lpr.data.samples import PlateSample
from lpr.reading.engines.base import Engine, PlateReading
from lpr.reading.locate import Locate, Margin
from lpr.reading.vote import majority_reading
from lpr.vision.segment import Segmentation, Segmenter

Loader = Callable[[PlateSample], tuple[np.ndarray, float, str]]  # a sample's photo: (BGR image, its scale, a note)
Box = tuple[int, int, int, int]  # x, y, w, h


class Status(StrEnum):
    """A photo's result: a plate read, or why the photo gave none."""
    READ = "read"
    NO_PLATE_FOUND = "no plate found"  # no candidate at all
    NOT_A_PLATE = "no plate reads as one"  # candidates, none reading as a plate (locate=detector's verifier)
    UNSURE = "below min_confidence"  # plates read, each less sure than the locate mode's min_confidence
    TOO_SMALL = "image too small"  # smaller than photo_limits.min_side


@dataclass
class Candidate:
    """One crop to read: of the chunk's `photo`-th photo, its `plate`-th candidate plate (the crops of a plate, one
    a margin and one an engine, vote together) cut around `box` at its `margin`-th margin (`origin`: the crop's own
    box; both in the loaded image's pixels), read by engine `engine`; `prepared` the engine's per-crop work done
    ahead, `reading` once read."""
    plate: int
    margin: int
    box: Box | None
    origin: Box | None
    crop: np.ndarray
    photo: int = 0
    engine: int = 0
    prepared: Any = None
    reading: PlateReading | None = None


@dataclass
class PhotoCut:
    """What one photo gives to read: its candidates, the scale it was loaded at, a note on the photo ("" or how it
    was scaled), and its size where it is too small to read ("" where it is not)."""
    candidates: list[Candidate] = field(default_factory=list)
    scale: float = 1.0
    note: str = ""
    too_small: str = ""


@dataclass
class PlateResult:
    """A plate read (status READ), or a photo's one result saying why it gave none (`why`: the detail)."""
    sample: PlateSample
    text: str
    confidence: float
    box: Box | None  # where the plate was read, in the photo's own pixels
    crop: np.ndarray
    segmentation: Segmentation | None
    status: Status = Status.READ
    why: str = ""
    note: str = ""  # on the photo: how it was scaled down to be read
    char_confidences: tuple[float, ...] = ()

    @property
    def found(self) -> bool:
        return self.status is Status.READ

    @property
    def detail(self) -> str:
        """The why and the note, as one line."""
        return "; ".join(filter(None, [self.why, self.note]))


class PlateReader:
    """Runs one locate mode over samples: loads photos in threads, reads their candidates in large batches. With
    several engines (an ensemble) every crop is read by each, and all the readings of a plate vote together."""

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

    def plate_crops(self, sample: PlateSample, load: Loader) -> PhotoCut:
        """The candidates of one photo; LprError for a bad file or box."""
        image, scale, note = load(sample)
        if min(image.shape[:2]) < self.limits.min_side:
            size = f"{image.shape[1]}x{image.shape[0]}, min_side {self.limits.min_side}"
            return PhotoCut([], scale, note, too_small=size)
        if self.mode == "none":
            return PhotoCut([Candidate(0, 0, None, None, image)], scale, note)
        if self.mode == "box":
            return PhotoCut(self.box_candidates(sample, image, scale), scale, note)
        if self.finders:
            boxes = [xywh(box) for finder in self.finders for box in finder(image).boxes]
            return PhotoCut(self.cut(image, boxes, self.margins), scale, note)
        return PhotoCut(self.cut(image, self.locator.candidates(image), [self.locator.crop_margin]), scale, note)

    def box_candidates(self, sample: PlateSample, image: np.ndarray, scale: float) -> list[Candidate]:
        """The labelled box cut at each margin; each crop's box is the crop's own."""
        if sample.box is None:
            raise LprError(f"{sample.image_path}: locate=box but the input labels no box for it")
        x, y, w, h = sample.box
        height, width = round(image.shape[0] / scale), round(image.shape[1] / scale)
        if w <= 0 or h <= 0 or x >= width or y >= height or x + w <= 0 or y + h <= 0:
            raise LprError(f"{sample.image_path}: box {sample.box} lies outside the {width}x{height} image")
        crops = [crop_box(image, scaled(sample.box, scale), margin) for margin in self.margins]
        return [Candidate(0, margin, origin, origin, crop) for margin, (crop, origin) in enumerate(crops)]

    @staticmethod
    def cut(image: np.ndarray, boxes: list[Box], margins: list[Margin]) -> list[Candidate]:
        """Every candidate box cut at each margin."""
        candidates = []
        for plate, box in enumerate(boxes):
            for margin, grown in enumerate(margins):
                crop, origin = crop_box(image, box, grown)
                if crop.size:
                    candidates.append(Candidate(plate, margin, box, origin, crop))
        return candidates

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
                cuts, candidates = [], []
                # the engine's per-crop work (segmentation) runs here while the loader threads decode the next photos
                for photo, cut in enumerate(pool.map(lambda sample: self.try_plate_crops(sample, load), chunk)):
                    cuts.append(cut)
                    if isinstance(cut, str):
                        problems.append(cut)
                        continue
                    for index, engine in enumerate(self.engines):
                        candidates += [replace(candidate, photo=photo, engine=index,
                                               prepared=engine.prepare(candidate.crop)
                                               if candidate.margin < self.first_round else None)
                                       for candidate in cut.candidates]
                self.read_candidates(candidates)
                results += self.pick(chunk, cuts, candidates)
        return results

    def read_candidates(self, candidates: list[Candidate]) -> None:
        """Reads the prepared candidates, then the others of a plate whose prepared ones disagree: a box's first
        margins that all agree outnumber the rest and have won the vote already (the rest stay unread)."""
        first = [candidate for candidate in candidates if candidate.prepared is not None]
        self.read_into(first, lambda engine, mine: engine.read_prepared([c.prepared for c in mine]))
        texts = defaultdict(set)
        for candidate in first:
            texts[candidate.photo, candidate.plate].add(candidate.reading.text)
        rest = [c for c in candidates if c.prepared is None and len(texts[c.photo, c.plate]) > 1]
        self.read_into(rest, lambda engine, mine: engine.read_crops([c.crop for c in mine]))

    def read_into(self, candidates: list[Candidate], read_with) -> None:
        """Each candidate's reading from `read_with(engine, its candidates)`, one call per engine."""
        for index, engine in enumerate(self.engines):
            mine = [candidate for candidate in candidates if candidate.engine == index]
            for candidate, reading in zip(mine, read_with(engine, mine) if mine else []):
                candidate.reading = reading

    def try_plate_crops(self, sample: PlateSample, load: Loader) -> PhotoCut | str:
        try:
            return self.plate_crops(sample, load)
        except LprError as error:
            return str(error)

    def pick(self, chunk: list[PlateSample], cuts: list[PhotoCut | str], candidates: list[Candidate]
             ) -> list[PlateResult]:
        """The results of each readable photo: every plate found (locate=detector), or the reading most of its crops
        agree on (locate=box, none), or its most plate-like candidate (locate=auto); those below `min_confidence`
        dropped; a photo left with none gives one result saying why."""
        read: dict[int, dict[int, list[Candidate]]] = defaultdict(lambda: defaultdict(list))  # photo -> plate -> read
        for candidate in candidates:
            if candidate.reading is not None:
                read[candidate.photo][candidate.plate].append(candidate)
        results = []
        for photo, (sample, cut) in enumerate(zip(chunk, cuts)):
            if isinstance(cut, str):
                continue
            self.photos.append(sample)
            plates = list(read[photo].values()) if photo in read else []
            if not plates:
                found = []
            elif self.finders:
                found = [self.voted(sample, cut, mine) for mine in plates]
            else:
                found = [self.chosen(sample, cut, [candidate for mine in plates for candidate in mine])]
            kept = self.check.one_a_plate(found) if self.finders else found
            sure = [result for result in kept if result.confidence >= self.min_confidence]
            results += sure or [self.no_plate(sample, cut, found, kept)]
        return results

    def voted(self, sample: PlateSample, cut: PhotoCut, mine: list[Candidate]) -> PlateResult:
        """The reading most of a plate's crops agree on."""
        index, confidence = majority_reading([candidate.reading for candidate in mine])
        return self.result(sample, cut, mine[index], confidence, mine[index].box)

    def chosen(self, sample: PlateSample, cut: PhotoCut, mine: list[Candidate]) -> PlateResult:
        """A photo's one plate: the vote of its crops, or (locate=auto) its most plate-like candidate, its box
        tightened to the characters read."""
        if self.locator is None:
            return self.voted(sample, cut, mine)
        formats = self.engines[0].formats
        best = max(mine, key=lambda c: self.locator.plausibility(c.reading.text, c.reading.confidence, formats))
        segmentation = best.reading.segmentation or self.segmenter(best.crop)
        box = self.locator.tighten(best.box, segmentation.extent(best.origin, self.locator.min_chars))
        return self.result(sample, cut, best, best.reading.confidence, box)

    @staticmethod
    def result(sample: PlateSample, cut: PhotoCut, candidate: Candidate, confidence: float, box: Box | None
               ) -> PlateResult:
        """A plate read, its box in the photo's own pixels."""
        box = scaled(box, 1 / cut.scale) if box is not None and cut.scale != 1 else box
        reading = candidate.reading
        return PlateResult(sample, reading.text, confidence, box, candidate.crop, reading.segmentation,
                           note=cut.note, char_confidences=reading.char_confidences)

    def no_plate(self, sample: PlateSample, cut: PhotoCut, found: list[PlateResult], kept: list[PlateResult]
                 ) -> PlateResult:
        """The one result of a photo without a plate, saying why."""
        if cut.too_small:
            status, why = Status.TOO_SMALL, cut.too_small
        elif kept:
            status = Status.UNSURE
            why = f"best reading {max(r.confidence for r in kept):.2f} sure, min_confidence {self.min_confidence}"
        elif found:
            status, why = Status.NOT_A_PLATE, self.check.why_none(len(found))
        else:
            status, why = Status.NO_PLATE_FOUND, ""
        best = max(found, key=lambda r: r.confidence, default=None)
        return PlateResult(sample, "", best.confidence if best else 0.0, None,
                           best.crop if best else np.zeros((8, 8, 3), np.uint8), None, status, why, cut.note)
