"""A region's plate formats: a prior on reading, as OpenALPR's postprocess patterns are, and what the plate
generator draws.

Character shapes alone confuse look-alikes (0/O, 1/I, 8/B, 5/S, 2/Z), and many fonts draw them the same. Where
the reader knows the region's formats (Brazil: `AAA-9999`, Mercosul `AAA9A99`), each character is chosen among
the classes its position allows: `A` a letter, `9` a digit, `?` either. Of the formats as long as the reading,
the one whose choices are most probable wins; a reading of another length is left as it is. A pattern may hold
the separators printed between groups (`-`, `.`, a space, `*` an emblem): the generator draws them, the reader
leaves them out.
"""
import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError

PATTERN_CLASSES = {"A": ALPHABET[10:], "9": ALPHABET[:10], "?": ALPHABET}
SEPARATORS = "-. *"
ALLOWED = {code: np.array([c in chars for c in ALPHABET]) for code, chars in PATTERN_CLASSES.items()}


def without_separators(printed: str) -> str:
    """A printed string (a pattern or a plate) as read: its characters without separators and emblems."""
    return "".join(c for c in printed if c not in SEPARATORS)


def check_pattern(pattern: str, where: str) -> str:
    """`pattern` as a string, refused with one line naming `where` unless made of A, 9, ? and separators."""
    pattern = str(pattern)  # an all-digit pattern such as 9999999 arrives from YAML as an int
    if set(pattern) - set(PATTERN_CLASSES) - set(SEPARATORS) or not without_separators(pattern):
        raise LprError(f"{where}: {pattern!r} must be made of A (letter), 9 (digit), ? (either) and the "
                       f"separators '-', '.', ' ', '*' (an emblem)")
    return pattern


class PlateFormats:
    """Patterns such as `AAA-9999` (A: letter, 9: digit, ?: either); none: every reading is left as it is."""

    def __init__(self, patterns: list[str] | None = None):
        self.masks: dict[int, list[np.ndarray]] = {}
        for pattern in patterns or []:
            read = without_separators(check_pattern(pattern, "formats.patterns"))
            self.masks.setdefault(len(read), []).append(np.stack([ALLOWED[p] for p in read]))

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
