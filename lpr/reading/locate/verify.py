"""The reader as the verifier of found candidates: what reads as a plate, and one row a plate. A finder of text lines
finds signs, names and stickers too, and a plate found by two finders is two candidates."""
from dataclasses import dataclass

from lpr.core.boxes import box_overlap
from lpr.reading.vote import majority_reading


@dataclass(frozen=True)
class PlateCheck:
    """A reading is a plate's when it is `plate_chars` (low, high) characters long and holds `min_digits` digits;
    candidates overlapping by `same_plate` of the smaller box are one plate."""
    plate_chars: tuple[int, int]
    min_digits: int
    same_plate: float

    def plate_like(self, text: str) -> bool:
        return (self.plate_chars[0] <= len(text) <= self.plate_chars[1]
                and sum(c.isdigit() for c in text) >= self.min_digits)

    def one_a_plate(self, found: list) -> list:
        """The candidates (each with a text, a confidence and a box) that read as a plate, one a plate, surest first.
        Candidates overlapping the surest left are that plate's (the plate detector's box and its text line), and
        their readings vote as a box's margins do (lpr.reading.vote): the text most of them read, given by its
        surest candidate."""
        left = sorted((c for c in found if self.plate_like(c.text)), key=lambda candidate: -candidate.confidence)
        plates = []
        while left:
            mine = [c for c in left if box_overlap(c.box, left[0].box) >= self.same_plate]
            plates.append(mine[majority_reading(mine)[0]])
            left = [c for c in left if box_overlap(c.box, left[0].box) < self.same_plate]
        return sorted(plates, key=lambda candidate: -candidate.confidence)

    def why_none(self, candidates: int) -> str:
        return (f"none of {candidates} candidates reads {self.plate_chars[0]} to {self.plate_chars[1]} characters "
                f"with {self.min_digits} digit(s) or more")
