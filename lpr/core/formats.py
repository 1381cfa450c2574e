"""A region's plate formats as a prior on reading, as OpenALPR's postprocess patterns are.

Character shapes alone confuse look-alikes (0/O, 1/I, 8/B, 5/S, 2/Z), and many fonts draw them the same. Where
the reader knows the region's formats (Brazil: `AAA9999`, Mercosul `AAA9A99`), each character is chosen among
the classes its position allows: `A` a letter, `9` a digit, `?` either. Of the formats as long as the reading,
the one whose choices are most probable wins; a reading of another length is left as it is.
"""
import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError

ALLOWED = {"A": np.array([c.isalpha() for c in ALPHABET]), "9": np.array([c.isdigit() for c in ALPHABET]),
           "?": np.ones(len(ALPHABET), bool)}


class PlateFormats:
    """Patterns such as `AAA9999` (A: letter, 9: digit, ?: either); none: every reading is left as it is."""

    def __init__(self, patterns: list[str] | None = None):
        self.masks: dict[int, list[np.ndarray]] = {}
        for pattern in map(str, patterns or []):  # an all-digit pattern such as 9999999 arrives from YAML as an int
            if not pattern or set(pattern) - set(ALLOWED):
                raise LprError(f"formats.patterns: {pattern!r} must be made of A (letter), 9 (digit) and ? (either)")
            self.masks.setdefault(len(pattern), []).append(np.stack([ALLOWED[p] for p in pattern]))

    def __bool__(self) -> bool:
        return bool(self.masks)

    def has_length(self, length: int) -> bool:
        return length in self.masks

    def fit(self, probabilities: np.ndarray) -> np.ndarray | None:
        """(n, len(ALPHABET)) probabilities of n characters -> the class of each character in the most probable
        reading that fits a format of n characters; None when no format has n characters."""
        best, best_log_p = None, -np.inf
        for mask in self.masks.get(len(probabilities), []):
            allowed = np.where(mask, probabilities, 0.0)
            choice = allowed.argmax(axis=1)
            log_p = np.log(np.maximum(allowed[np.arange(len(choice)), choice], 1e-30)).sum()
            if log_p > best_log_p:
                best, best_log_p = choice, log_p
        return best
