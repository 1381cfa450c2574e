"""The one alphabet lpr reads: digits then capital letters, 36 classes in a fixed order.

A character classifier may learn one class more, `not_a_char` (index 36): the wrong cuts a segmentation makes
(two characters as one, half of one, a frame edge), which lpr.harvest cuts beside the right ones. The classic
reader then drops what that class claims and ranks segmentations by it.
"""
from pathlib import Path

from lpr.errors import LprError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHAR_TO_INDEX = {char: index for index, char in enumerate(ALPHABET)}
NOT_A_CHAR = len(ALPHABET)  # the optional 37th class
NOT_A_CHAR_FOLDER = "not_a_char"
CLASS_NAMES = ALPHABET + "-"  # what captions and confusion matrices call each class index


def folder_to_index(folder: Path) -> int:
    """Map a class folder (named `class_X`, `X` or `not_a_char`) onto its class index, or refuse it."""
    if folder.name == NOT_A_CHAR_FOLDER:
        return NOT_A_CHAR
    char = folder.name.removeprefix("class_").upper()
    if char not in CHAR_TO_INDEX:
        raise LprError(f"{folder}: class folder is not one of 0-9, A-Z (name it `X` or `class_X`) or "
                       f"{NOT_A_CHAR_FOLDER}")
    return CHAR_TO_INDEX[char]
