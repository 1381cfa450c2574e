"""Callbacks: random state that travels with checkpoints, progress that a log file keeps, and TensorBoard views
of the data and the models.

The confusion matrix is logged by `CharClassifier`; MisclassifiedGrid and TrainBatchSample add the images
behind it and act on `CharClassifier` only (other modules pass untouched). GeneratedBesideReal shows plate
training data, DetectionGrid a detector's boxes. The views need a TensorBoardLogger and write from rank zero only.
"""
import logging
import math
import random
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.callbacks import ProgressBar, RichProgressBar
from lightning.pytorch.loggers import TensorBoardLogger
from pydantic import PositiveInt, validate_call
from torchvision.utils import draw_bounding_boxes, make_grid

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError
from lpr.data.plate_crops import PlateCrops
from lpr.data.plates import PlateDataModule, collate_plates
from lpr.training.char_module import CharClassifier
from lpr.training.detect_module import PlateDetector

log = logging.getLogger(__name__)

GRID_BACKGROUND = 0.15  # grey between the tiles of a captioned grid, and of a tile left empty


def tensorboard_writers(trainer: Trainer) -> list:
    """The SummaryWriters to draw into: none off rank zero, so DDP runs log each figure once."""
    if not trainer.is_global_zero:
        return []
    return [logger.experiment for logger in trainer.loggers if isinstance(logger, TensorBoardLogger)]


def character_writers(trainer: Trainer, pl_module: LightningModule) -> list:
    """The SummaryWriters of a character classifier's run: its views mean nothing for other modules."""
    return tensorboard_writers(trainer) if isinstance(pl_module, CharClassifier) else []


def captioned_grid(images: torch.Tensor, captions: list[str], columns: int, title: str) -> plt.Figure:
    """(N, 1, H, W) images in [0, 1] tiled `columns` wide, each captioned in the gap above it.

    One imshow and N texts rather than N subplots, so it is cheap enough to draw every epoch.
    """
    height, width = images.shape[-2:]
    gap = height // 2
    grid = make_grid(images.detach().float().cpu(), nrow=columns, padding=gap, pad_value=GRID_BACKGROUND)[0]
    rows = math.ceil(len(images) / columns)
    grid_inches = 0.5 + 0.55 * min(columns, len(images)) * width / height
    title_inches = 0.07 * max(map(len, title.splitlines()))  # at 9 points: a narrow grid does not clip its title
    figure, axes = plt.subplots(figsize=(max(grid_inches, title_inches), 0.6 + 0.7 * rows))
    axes.imshow(grid.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    for index, caption in enumerate(captions):
        row, column = divmod(index, columns)
        axes.text(column * (width + gap) + gap, row * (height + gap) + gap - 1, caption, fontsize=8,
                  color="gold", va="bottom", ha="left")
    axes.set_title(title, fontsize=9)
    axes.axis("off")
    figure.tight_layout()
    return figure


class MisclassifiedGrid(Callback):
    """Each validation epoch: up to `max_images` misclassified validation characters captioned `true>predicted`.

    The logits come from a forward hook on the net during validation, so nothing is computed twice;
    the shown errors are spread evenly over the validation set (which is ordered by class).
    """

    def __init__(self, max_images: int = 48, columns: int = 12):
        self.max_images = max_images
        self.columns = columns
        self.hook = None
        self.last_logits = None

    def on_validation_epoch_start(self, trainer: Trainer, pl_module: LightningModule):
        self.wrong_images, self.wrong_captions, self.seen = [], [], 0
        if not trainer.sanity_checking and character_writers(trainer, pl_module):
            self.hook = pl_module.net.register_forward_hook(self.keep_logits)

    def keep_logits(self, module, inputs, logits):
        self.last_logits = logits.detach()

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        if self.hook is None:
            return
        images, labels = batch
        predicted = self.last_logits.argmax(dim=1)
        wrong = predicted != labels
        self.seen += len(labels)
        self.wrong_images.append(images[wrong].cpu())
        self.wrong_captions += [f"{ALPHABET[true]}>{ALPHABET[guess]}"
                                for true, guess in zip(labels[wrong].tolist(), predicted[wrong].tolist())]

    def on_validation_epoch_end(self, trainer: Trainer, pl_module: LightningModule):
        if self.hook is None:
            return
        self.hook.remove()
        self.hook = self.last_logits = None
        if not self.wrong_captions:
            return
        wrong_images = torch.cat(self.wrong_images)
        shown = torch.linspace(0, len(wrong_images) - 1, min(self.max_images, len(wrong_images))).long()
        figure = captioned_grid(wrong_images[shown], [self.wrong_captions[i] for i in shown.tolist()], self.columns,
                                f"epoch {trainer.current_epoch}: {len(wrong_images)} of {self.seen} wrong "
                                f"(true>predicted)")
        for writer in character_writers(trainer, pl_module):
            writer.add_figure("val/misclassified", figure, global_step=trainer.current_epoch)
        plt.close(figure)
        self.wrong_images, self.wrong_captions = [], []


class TrainBatchSample(Callback):
    """Once per run, at the first training batch: the net's input after augmentation, captioned with labels."""

    def __init__(self, max_images: int = 64, columns: int = 16):
        self.max_images = max_images
        self.columns = columns
        self.logged = False

    def on_train_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch, batch_idx: int):
        if self.logged:
            return
        self.logged = True
        writers = character_writers(trainer, pl_module)
        if not writers:
            return
        images, labels = batch
        images, labels = images[:self.max_images], labels[:self.max_images]
        figure = captioned_grid(images, [ALPHABET[label] for label in labels.tolist()], self.columns,
                                f"augmented training batch ({tuple(images.shape[1:])}, label above each)")
        for writer in writers:
            writer.add_figure("train/augmented_batch", figure, global_step=trainer.global_step)
        plt.close(figure)


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


class DetectionGrid(Callback):
    """Each val epoch: the first `max_images` val photos with their true boxes (red) and the boxes the detector
    keeps at its reading score floor (green, with their scores), so misses and false plates show, not only mAP."""

    @validate_call
    def __init__(self, max_images: PositiveInt = 8, columns: PositiveInt = 4):
        self.max_images, self.columns = max_images, columns

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        writers = tensorboard_writers(trainer)
        if batch_idx or trainer.sanity_checking or not writers or not isinstance(pl_module, PlateDetector):
            return
        images, targets = batch
        images, targets = images[:self.max_images], targets[:self.max_images]
        with torch.no_grad():
            found = pl_module.detect(pl_module(images), pl_module.hparams.score_floor, pl_module.hparams.max_boxes)
        drawn = []
        for image, target, detections in zip(images, targets, found):
            pixels = (image.detach().cpu() * 255).round().to(torch.uint8)
            pixels = draw_bounding_boxes(pixels, target["boxes"].cpu(), colors="red", width=2)
            drawn.append(draw_bounding_boxes(pixels, torch.from_numpy(detections.boxes),
                                             labels=[f"{score:.2f}" for score in detections.scores],
                                             colors="lime", width=2))
        grid = make_grid(torch.stack(drawn), nrow=self.columns, padding=4)
        for writer in writers:
            writer.add_image("val/detections", grid, global_step=trainer.current_epoch)


class LineProgress(ProgressBar):
    """Progress as log lines: every `every_n_steps` training steps (epoch, step of the budget, steps/s, time left at
    most, the progress bar's metrics) and after each validation. A job whose output goes to a file or a pipe (nohup, SLURM, CI) shows
    nothing of a live bar; these lines it keeps."""

    @validate_call
    def __init__(self, every_n_steps: PositiveInt = 50):
        super().__init__()
        self.every_n_steps, self.enabled, self.started = every_n_steps, True, None

    def disable(self):
        self.enabled = False

    def enable(self):
        self.enabled = True

    def summary(self, trainer: Trainer, pl_module: LightningModule) -> str:
        metrics = self.get_metrics(trainer, pl_module)
        return " ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                        for key, value in metrics.items() if key != "v_num")

    def on_train_start(self, trainer: Trainer, pl_module: LightningModule):
        self.started = (time.perf_counter(), trainer.global_step)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        step = trainer.global_step
        if not self.enabled or not trainer.is_global_zero or step % self.every_n_steps:
            return
        started, first_step = self.started
        rate = (step - first_step) / max(time.perf_counter() - started, 1e-9)
        budget = trainer.estimated_stepping_batches  # early stopping may end the run sooner
        left = (budget - step) / rate if rate > 0 and budget != float("inf") else None
        log.info("epoch %d step %d/%s (%.2f steps/s, %s left) %s", trainer.current_epoch, step,
                 budget if left is not None else "-", rate, clock(left), self.summary(trainer, pl_module))

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule):
        if self.enabled and trainer.is_global_zero and not trainer.sanity_checking:
            log.info("epoch %d validated: %s", trainer.current_epoch, self.summary(trainer, pl_module))


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m{seconds:02d}s"


def progress_bar(every_n_steps: int = 50) -> ProgressBar:
    """Rich's live bar where stderr is a terminal; log lines (LineProgress) where it is a file or a pipe."""
    return RichProgressBar() if sys.stderr.isatty() else LineProgress(every_n_steps)


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
