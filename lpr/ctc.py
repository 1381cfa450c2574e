"""Whole-plate reading around a CTC recognizer, in NumPy: shared by the torch and onnxruntime engines (no torch)."""
import numpy as np

from lpr.alphabet import ALPHABET
from lpr.formats import PlateFormats
from lpr.preprocess import inputs_to_batch, plate_input

BLANK = 0  # CTC blank; character i of the alphabet is class i + 1


def ctc_greedy_decode(log_probs: np.ndarray, formats: PlateFormats | None = None,
                      edge_min_prob: float = 0.0) -> list[tuple[str, float]]:
    """(N, T, C) log-probabilities -> per plate the best path's text (repeats merged, blanks dropped) and
    that path's probability, the confidence in [0, 1].

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
        readings.append(("".join(ALPHABET[c] for c in classes), float(conf)))
    return readings


def trim_unsure_ends(starts: np.ndarray, column_prob: np.ndarray, min_prob: float) -> np.ndarray:
    """The characters' first columns without the leading and trailing ones whose probability is below min_prob."""
    first, last = 0, len(starts)
    while last - first > 2 and column_prob[starts[first]] < min_prob:
        first += 1
    while last - first > 2 and column_prob[starts[last - 1]] < min_prob:
        last -= 1
    return starts[first:last]


class CtcReader:
    """Reads plate crops with `recognize` (float32 (N, 1, H, W) in [0, 1] -> (N, T, 1 + 36) log-probabilities),
    which each runtime's engine provides: all crops of a call in one batch, greedy decoding."""

    height: int
    width: int
    formats = PlateFormats()  # the region's plate formats, when the reader is told them (lpr.formats)
    edge_min_prob = 0.0  # unsure characters at a reading's ends are dropped (ctc_greedy_decode); lpr.read sets it

    def recognize(self, batch: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def prepare(self, plate_crop: np.ndarray) -> np.ndarray:
        """BGR or grey uint8 plate crop of any size -> the recognizer's uint8 input (lpr.read makes it while its
        loader threads decode photos)."""
        return plate_input(plate_crop, self.height, self.width)

    def read_prepared(self, inputs: list[np.ndarray]) -> list[tuple[str, float]]:
        """Prepared crops -> (text, confidence in [0, 1]) per crop."""
        if not inputs:
            return []
        return ctc_greedy_decode(self.recognize(inputs_to_batch(inputs)), self.formats, self.edge_min_prob)

    def read_crops(self, plate_crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """BGR or grey uint8 plate crops of any size -> (text, confidence in [0, 1]) per crop."""
        return self.read_prepared([self.prepare(crop) for crop in plate_crops])
