"""PP-OCR's text recognizer as RapidOCR's wheel ships it (PaddleOCR's weights, Apache-2.0), and how its symbols map
onto lpr's alphabet: shared by the engine that reads with it (lpr.reading.engines.ppocr) and the net that fine-tunes it
(lpr.models.ppocr_rec)."""
import unicodedata
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError

PPOCR = "ppocr"  # the name that stands for the recognizer in the installed rapidocr wheel (pip install 'lpr[ppocr]')
PPOCR_FILE = "models/PP-OCRv6_rec_small.onnx"
SYMBOLS_KEY = "character"  # the ONNX metadata key PaddleOCR's exporters write the recognizer's symbols under


def model_file(path: str | Path) -> str:
    """A model path as given, or for `ppocr` the recognizer inside the installed rapidocr wheel (found without
    importing rapidocr)."""
    if str(path) != PPOCR:
        return str(path)
    spec = find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise LprError("ppocr: the PP-OCR recognizer comes with rapidocr, which this install leaves out: "
                       "pip install 'lpr[ppocr]'")
    return str(Path(spec.submodule_search_locations[0]) / PPOCR_FILE)


def output_symbols(metadata: dict[str, str]) -> list[str] | None:
    """The recognizer's output symbols in column order (column 0: CTC blank, the last: space) from its ONNX
    metadata, or None for an ONNX model that is no PP-OCR recognizer."""
    symbols = metadata.get(SYMBOLS_KEY)
    return ["<blank>", *symbols.splitlines(), " "] if symbols else None


def alphabet_columns(symbols: list[str]) -> np.ndarray:
    """For each output column, the lpr class it means (1 + the alphabet index: lower case, full width and other
    NFKC forms of a character included), or 0 for the blank and every symbol outside 0-9A-Z."""
    index = {c: i + 1 for i, c in enumerate(ALPHABET)}
    return np.array([0] + [index.get(unicodedata.normalize("NFKC", s).upper(), 0) for s in symbols[1:]])


def plain_columns(symbols: list[str]) -> list[int]:
    """The output column of the blank and of each character of lpr's alphabet as itself (`A`, not `a`): the rows
    of the recognizer's head that a head of lpr's 1 + 36 classes starts from."""
    return [0] + [symbols.index(c) for c in ALPHABET]
