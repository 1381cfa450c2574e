"""The reader as the verifier of found candidates: what reads as a plate, and one row a plate. A finder of text lines
finds signs, names and stickers too, and a plate found by two finders is two candidates."""
from dataclasses import dataclass

from lpr.core.boxes import box_overlap


@dataclass(frozen=True)
class PlateCheck:
    """A reading is a plate's when it is `plate_chars` (low, high) characters long and holds `min_digits` digits;
    candidates overlapping by `same_plate` of the smaller box are one plate."""
    plate_chars: tuple[int, int] = (4, 10)
    min_digits: int = 1
    same_plate: float = 0.5

    def plate_like(self, text: str) -> bool:
        return (self.plate_chars[0] <= len(text) <= self.plate_chars[1]
                and sum(c.isdigit() for c in text) >= self.min_digits)

    def one_a_plate(self, found: list) -> list:
        """The candidates (each with a text, a confidence and a box) that read as a plate, surest first, less any
        overlapping a surer one: the plate detector's box and the text line of one plate are one plate."""
        kept = []
        for candidate in sorted(found, key=lambda candidate: -candidate.confidence):
            if self.plate_like(candidate.text) and all(box_overlap(candidate.box, other.box) < self.same_plate
                                                       for other in kept):
                kept.append(candidate)
        return kept

    def why_none(self, candidates: int) -> str:
        return (f"no plate: none of {candidates} candidates reads as a plate ({self.plate_chars[0]} to "
                f"{self.plate_chars[1]} characters, {self.min_digits} digit(s) or more)")
