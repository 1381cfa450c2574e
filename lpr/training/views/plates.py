"""A plate recognizer's view (configs/callbacks/views/plates.yaml): its generated training plates beside real ones."""
import matplotlib.pyplot as plt
import numpy as np
import torch
from lightning.pytorch import Callback, LightningModule, Trainer
from pydantic import PositiveInt, validate_call

from lpr.core.errors import LprError
from lpr.data.plate_crops import PlateCrops
from lpr.data.plates import PlateDataModule, collate_plates
from lpr.training.views import GRID_BACKGROUND, captioned_grid, tensorboard_writers


def plain_plates(part: PlateCrops, count: int, seed: int) -> tuple[torch.Tensor, list[str]]:
    """`count` plates of `part` drawn with `seed`, as (N, 1, H, W) model input and texts, without augmentation
    or box jitter. A copy of the chosen samples reads them, so `part`'s own jitter generator is not drawn from."""
    chosen = np.sort(np.random.default_rng(seed).choice(len(part), min(count, len(part)), replace=False))
    plain = PlateCrops([part.samples[i] for i in chosen], part.height, part.width,
                       crops=None if part.crops is None else [part.crops[i] for i in chosen])
    return collate_plates([plain[i] for i in range(len(plain))])


class GeneratedBesideReal(Callback):
    """Once per run, at fit start: `rows` generated training plates (left) beside as many real ones (right), as
    the model sees them before augmentation and captioned with their labels, so how far the plate generator's
    look is from the photos shows at a glance. A run without real (or generated) plates shows the other kind only.

    The plates are drawn with `seed`, not the run's generators: runs on the same data show the same plates, and
    training draws what it would without this callback. Any datamodule but a PlateDataModule is a config error.
    """

    @validate_call
    def __init__(self, rows: PositiveInt = 16, seed: int = 0):
        self.rows = rows
        self.seed = seed

    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule):
        datamodule = trainer.datamodule
        if not isinstance(datamodule, PlateDataModule):  # on every rank, so a DDP run stops whole
            raise LprError(f"callback GeneratedBesideReal (callbacks.contact_sheet) shows plate training data, but "
                           f"the data is {type(datamodule).__name__}: use data=synth_plates or plate_crops, or set "
                           f"callbacks.contact_sheet=null")
        writers = tensorboard_writers(trainer)
        if not writers:
            return
        parts = {kind: datamodule.train_kinds.get(kind) for kind in ("generated", "real")}
        shown = {name: plain_plates(part, self.rows, self.seed) for name, part in parts.items() if part}
        images, captions = [], []
        for row in range(max(len(texts) for _, texts in shown.values())):
            for plates, texts in shown.values():  # the grid fills row by row; an empty tile where a kind ran out
                images.append(plates[row] if row < len(texts) else torch.full_like(plates[0], GRID_BACKGROUND))
                captions.append(texts[row] if row < len(texts) else "")
        missing = [name for name, part in parts.items() if not part]
        title = (f"{next(iter(shown))} training plates only: this run has no {missing[0]} ones" if missing
                 else "generated (left) beside real (right) training plates")
        height, width = images[0].shape[-2:]
        figure = captioned_grid(torch.stack(images), captions, len(shown),
                                f"{title}\nmodel input {height}x{width}, before augmentation, label above each")
        for writer in writers:
            writer.add_figure("data/generated_beside_real", figure, global_step=trainer.global_step)
        plt.close(figure)
