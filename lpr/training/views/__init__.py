"""TensorBoard views of the data and the models, one module per model kind, as configs/callbacks/views/ chooses
them: chars (a character classifier's errors and input), plates (a plate recognizer's generated beside real
training plates), detection (a detector's boxes). Each needs a TensorBoardLogger and writes from rank zero only;
this module holds what they share.
"""
import math

import matplotlib.pyplot as plt
import torch
from lightning.pytorch import Trainer
from lightning.pytorch.loggers import TensorBoardLogger
from torchvision.utils import make_grid

GRID_BACKGROUND = 0.15  # grey between the tiles of a captioned grid, and of a tile left empty


def tensorboard_writers(trainer: Trainer) -> list:
    """The SummaryWriters to draw into: none off rank zero, so DDP runs log each figure once."""
    if not trainer.is_global_zero:
        return []
    return [logger.experiment for logger in trainer.loggers if isinstance(logger, TensorBoardLogger)]


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
