"""The whole-plate reader: a CTC recognizer reads the plate crop as one sequence, no segmentation."""
from collections.abc import Callable

import numpy as np

from lpr.core.ctc_decode import ctc_greedy_decode
from lpr.core.formats import PlateFormats
from lpr.core.preprocess import inputs_to_batch, plate_input
from lpr.reading.engines.base import Engine, PlateReading


class CtcEngine(Engine):
    """`recognize` is the model on either runtime: float32 (N, 1, H, W) in [0, 1] -> (N, T, 1 + 36) CTC
    log-probabilities. All crops of a call go through it in one batch; decoding is greedy (lpr.core.ctc_decode),
    dropping unsure characters at a reading's ends below `edge_min_prob`."""

    def __init__(self, recognize: Callable[[np.ndarray], np.ndarray], height: int, width: int,
                 formats: PlateFormats | None = None, edge_min_prob: float = 0.0):
        self.recognize = recognize
        self.height, self.width = height, width
        self.formats = formats or PlateFormats()
        self.edge_min_prob = edge_min_prob

    def prepare(self, plate_crop: np.ndarray) -> np.ndarray:
        return plate_input(plate_crop, self.height, self.width)

    def batch(self, inputs: list[np.ndarray]) -> np.ndarray:
        """Prepared crops as the model's one input batch."""
        return inputs_to_batch(inputs)

    def read_prepared(self, inputs: list[np.ndarray]) -> list[PlateReading]:
        if not inputs:
            return []
        log_probs = self.recognize(self.batch(inputs))
        return [PlateReading(text, confidence, char_confidences=chars)
                for text, confidence, chars in ctc_greedy_decode(log_probs, self.formats, self.edge_min_prob)]

    def stages(self) -> list[tuple[str, Callable]]:
        return [("preprocess", lambda crops: self.batch([self.prepare(crop) for crop in crops])),
                ("model", lambda batch: ctc_greedy_decode(self.recognize(batch)))]
