"""Random generators' states that travel with each checkpoint, so a resumed run continues exactly."""
import random

import numpy as np
import torch
from lightning.pytorch import Callback, LightningModule, Trainer


class RandomState(Callback):
    """Keep every random generator's state in each checkpoint and restore it on resume, so that a resumed run
    draws the same shuffles, dropout masks and augmentations as the uninterrupted run would have."""

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str):
        self.trainer = trainer

    def augmentations(self) -> list:
        """The albumentations transforms of the training data: each keeps generators of its own."""
        datamodule = getattr(self.trainer, "datamodule", None)
        composes = datamodule.augmentations() if hasattr(datamodule, "augmentations") else []
        return [t for compose in composes for t in (compose, *compose.transforms)]

    def state_dict(self) -> dict:
        return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
                "augment": [(t.random_generator.bit_generator.state, t.py_random.getstate())
                            for t in self.augmentations()]}

    def load_state_dict(self, state: dict):
        torch.set_rng_state(state["torch"])
        np.random.set_state(state["numpy"])
        random.setstate(state["python"])
        for transform, (numpy_state, python_state) in zip(self.augmentations(), state["augment"]):
            transform.random_generator.bit_generator.state = numpy_state
            transform.py_random.setstate(python_state)
