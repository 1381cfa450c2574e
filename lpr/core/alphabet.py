"""The one alphabet lpr reads: digits then capital letters, 36 classes in a fixed order, and the class folders of
an ImageFolder root that name them."""
import os
from pathlib import Path

from lpr.core.errors import LprError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHAR_TO_INDEX = {char: index for index, char in enumerate(ALPHABET)}


def folder_to_char(folder: Path) -> str:
    """Map a class folder (named `class_X` or `X`) onto its character, or refuse it."""
    char = folder.name.removeprefix("class_").upper()
    if char not in CHAR_TO_INDEX:
        raise LprError(f"{folder}: class folder is not one of 0-9, A-Z (name it `X` or `class_X`)")
    return char


def holds_class_folders(directory: Path) -> bool:
    """True when `directory` itself is a split (its sub-folders are classes), not a root of splits."""
    return any(entry.is_dir() and entry.name not in ("train", "val", "test") for entry in os.scandir(directory))
