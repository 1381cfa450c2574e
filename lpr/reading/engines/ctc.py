"""The whole-plate reader: a CTC recognizer reads the plate crop as one sequence, no segmentation."""
from collections.abc import Callable

import numpy as np

from lpr.core.ctc_decode import ctc_greedy_decode
from lpr.core.formats import PlateFormats
from lpr.core.preprocess import inputs_to_batch, plate_input
from lpr.reading.engines.base import Engine, PlateReading


class CtcEngine(Engine):
    """`recognize` is the model on either runtime: float32 (N, 1, H, W) in [0, 1] -> (N, T, 1 + 36) CTC
    log-probabilities. A call's crops go through it `batch_crops` at a time, those of like width together (a batch is
    padded to its widest: memory and time grow with it); decoding is greedy (lpr.core.ctc_decode), dropping unsure
    characters at a reading's ends below `edge_min_prob`."""

    def __init__(self, recognize: Callable[[np.ndarray], np.ndarray], height: int, width: int,
                 formats: PlateFormats | None = None, edge_min_prob: float = 0.0, batch_crops: int = 256):
        self.recognize = recognize
        self.height, self.width = height, width
        self.formats = formats or PlateFormats()
        self.edge_min_prob = edge_min_prob
        self.batch_crops = batch_crops

    def prepare(self, plate_crop: np.ndarray) -> np.ndarray:
        return plate_input(plate_crop, self.height, self.width)

    def batch(self, inputs: list[np.ndarray]) -> np.ndarray:
        """Prepared crops as the model's one input batch."""
        return inputs_to_batch(inputs)

    def read_prepared(self, inputs: list[np.ndarray]) -> list[PlateReading]:
        readings: list[PlateReading | None] = [None] * len(inputs)
        by_width = sorted(range(len(inputs)), key=lambda index: inputs[index].shape[-1])
        for start in range(0, len(inputs), self.batch_crops):
            mine = by_width[start:start + self.batch_crops]
            log_probs = self.recognize(self.batch([inputs[index] for index in mine]))
            for index, (text, confidence, chars) in zip(mine, ctc_greedy_decode(log_probs, self.formats,
                                                                                 self.edge_min_prob)):
                readings[index] = PlateReading(text, confidence, char_confidences=chars)
        return readings

    def stages(self) -> list[tuple[str, Callable]]:
        return [("preprocess", lambda crops: self.batch([self.prepare(crop) for crop in crops])),
                ("model", lambda batch: ctc_greedy_decode(self.recognize(batch)))]
