"""Where a photo's plate crops come from (configs/locate/): the image itself, the labelled box, OpenCV's candidates
or the finders' (a plate detector's boxes and a text detector's lines), at which margins, and how sure a reading must
be to count as a plate. lpr.reading.pipeline reads what this finds."""
from dataclasses import field
from typing import Literal

import pydantic.dataclasses
from pydantic import Field, PositiveInt, model_validator

from lpr.reading.locate.plate_detector import PlateFinder
from lpr.reading.locate.text_finder import TextFinder
from lpr.reading.locate.verify import PlateCheck
from lpr.reading.locate.opencv import PlateLocator

Margin = tuple[float, float]  # grown around a box: fractions of its width and height


@pydantic.dataclasses.dataclass(config={"arbitrary_types_allowed": True})  # configs/locate/: refuses a wrong setting
class Locate:
    """Where a photo's plate crops come from. `none`: the image is the crop. `box`: the labelled box, cut at
    `crop_margin` and at each of `vote_margins`; the reading most of the crops agree on wins. `auto`: every
    candidate `locator` finds; the most plate-like reading wins. `detector`: every plate `detector` finds and every
    text line `text_finder` finds, cut at `crop_margin` and at each of `vote_margins`, each candidate's crops voting
    as a labelled box's do; the reader is the verifier: a candidate whose reading is no plate's length
    (`plate_chars`) or holds fewer than `min_digits` digits is dropped, and of candidates overlapping by `same_plate`
    of the smaller box (one plate) the readings vote.
    A reading less sure than `min_confidence` is no plate: where the mode has to find the plate, a photo without one
    (a portrait) would otherwise read as the likeliest text."""

    mode: Literal["auto", "box", "none", "detector"]
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)
    crop_margin: Margin = (0.0, 0.0)
    vote_margins: list[Margin] = field(default_factory=list)
    locator: PlateLocator | None = None
    detector: PlateFinder | None = None
    text_finder: TextFinder | None = None
    plate_chars: tuple[PositiveInt, PositiveInt] = (4, 10)
    min_digits: int = Field(1, ge=0)
    same_plate: float = Field(0.5, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def mode_has_its_finder(self):
        if self.mode == "auto" and self.locator is None:
            raise ValueError("locate=auto needs a locator")
        if self.mode == "detector" and self.detector is None and self.text_finder is None:
            raise ValueError("locate=detector needs a detector or a text_finder")
        return self

    @property
    def finders(self) -> list:
        """What finds the candidates of locate=detector."""
        return [finder for finder in (self.detector, self.text_finder) if finder is not None]

    @property
    def check(self) -> PlateCheck:
        """How the reader verifies the candidates of locate=detector."""
        return PlateCheck(self.plate_chars, self.min_digits, self.same_plate)

    @property
    def margins(self) -> list[Margin]:
        return [self.crop_margin, *self.vote_margins]
