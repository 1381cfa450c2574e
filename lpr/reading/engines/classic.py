"""The classic reader: segment a plate into characters, classify each with the character CNN, join."""
from collections.abc import Callable

import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.core.formats import PlateFormats
from lpr.core.preprocess import chars_to_batch
from lpr.reading.engines.base import Engine, PlateReading
from lpr.vision.segment import Segmentation, Segmenter


class ClassicEngine(Engine):
    """segment -> classify -> join. `classify` is the model on either runtime: float32 (N, 1, S, S) in [0, 1] ->
    class probabilities (N, len(ALPHABET)). The characters of all plates of a call go through it together, in
    slices of batch_chars (a slice's activations stay in the CPU's cache: faster than one large batch)."""

    def __init__(self, classify: Callable[[np.ndarray], np.ndarray], segmenter: Segmenter, input_size: int,
                 formats: PlateFormats | None = None, batch_chars: int = 128):
        self.classify = classify
        self.segmenter = segmenter
        self.input_size = input_size
        self.formats = formats or PlateFormats()
        self.batch_chars = batch_chars

    def prepare(self, plate_crop: np.ndarray) -> Segmentation:
        return self.segmenter(plate_crop)

    def read_prepared(self, segmentations: list[Segmentation]) -> list[PlateReading]:
        batch = chars_to_batch([char for seg in segmentations for char in seg.char_crops], self.input_size)
        probabilities = np.zeros((0, len(ALPHABET)), np.float32)
        if len(batch):
            probabilities = np.concatenate([self.classify(batch[start:start + self.batch_chars])
                                            for start in range(0, len(batch), self.batch_chars)])
        starts = np.cumsum([0] + [len(seg) for seg in segmentations])
        readings = []
        for seg, start, end in zip(segmentations, starts[:-1], starts[1:]):
            plate = probabilities[start:end]
            classes = self.formats.fit(plate) if self.formats else None
            classes = plate.argmax(axis=1) if classes is None else classes
            chosen = plate[np.arange(len(classes)), classes]
            # the geometric mean keeps long and short plates comparable; no characters, no confidence
            confidence = float(np.exp(np.log(chosen).mean())) if len(chosen) else 0.0
            readings.append(PlateReading("".join(ALPHABET[c] for c in classes), confidence, seg,
                                         tuple(round(p, 4) for p in chosen.tolist())))
        return readings

    def stages(self) -> list[tuple[str, Callable]]:
        return [("segment", lambda crops: [char for crop in crops for char in self.segmenter(crop).char_crops]),
                ("preprocess", lambda char_crops: chars_to_batch(char_crops, self.input_size)),
                ("model", self.classify)]
