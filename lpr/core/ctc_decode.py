"""CTC decoding in NumPy: how a recognizer's per-column output becomes a plate reading, in training and reading."""
from typing import NamedTuple

import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.core.formats import PlateFormats

BLANK = 0  # CTC blank; character i of the alphabet is class i + 1


class Decoded(NamedTuple):
    text: str
    confidence: float  # the path's probability, in [0, 1]
    char_confidences: tuple[float, ...]  # each character's probability in the column where it begins


def ctc_greedy_decode(log_probs: np.ndarray, formats: PlateFormats | None = None,
                      edge_min_prob: float = 0.0) -> list[Decoded]:
    """(N, T, C) log-probabilities -> per plate the best path's text (repeats merged, blanks dropped), that
    path's probability (the confidence in [0, 1]) and each character's.

    A reading's first and last characters are dropped while the probability of the column where each begins is
    below `edge_min_prob`: an emblem or a sticker's mark at a plate's end reads as a character the model is
    unsure of. Readings of two characters or fewer are left whole.
    With `formats`, the characters of a reading as long as a format are chosen among the classes their
    position allows, from the column where each character begins, and the confidence follows the choice."""
    best, best_log_prob = log_probs.argmax(axis=2), log_probs.max(axis=2)
    confidence = np.exp(best_log_prob.sum(axis=1))
    new = np.ones_like(best, dtype=bool)
    new[:, 1:] = best[:, 1:] != best[:, :-1]
    keep = (best != BLANK) & new
    readings = []
    for plate_log_probs, row, mask, conf, row_prob in zip(log_probs, best, keep, confidence, np.exp(best_log_prob)):
        starts = trim_unsure_ends(np.flatnonzero(mask), row_prob, edge_min_prob)
        classes = row[starts] - 1  # alphabet positions
        if formats:
            char_probs = np.exp(plate_log_probs[starts, 1:])
            fitted = formats.fit(char_probs)
            if fitted is not None:
                picked = np.arange(len(classes))
                conf = conf * np.prod(char_probs[picked, fitted] / char_probs[picked, classes])
                classes = fitted
        chars = np.exp(plate_log_probs[starts, 1 + classes]) if len(classes) else np.zeros(0)
        readings.append(Decoded("".join(ALPHABET[c] for c in classes), float(conf),
                                tuple(round(p, 4) for p in chars.tolist())))
    return readings


def trim_unsure_ends(starts: np.ndarray, column_prob: np.ndarray, min_prob: float) -> np.ndarray:
    """The characters' first columns without the leading and trailing ones whose probability is below min_prob."""
    first, last = 0, len(starts)
    while last - first > 2 and column_prob[starts[first]] < min_prob:
        first += 1
    while last - first > 2 and column_prob[starts[last - 1]] < min_prob:
        last -= 1
    return starts[first:last]
