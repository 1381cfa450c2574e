"""A character classifier's views (configs/callbacks/views/chars.yaml): the images behind the confusion matrix that
`CharClassifier` logs. Both act on a `CharClassifier` only; other modules pass untouched."""
import matplotlib.pyplot as plt
import torch
from lightning.pytorch import Callback, LightningModule, Trainer

from lpr.core.alphabet import ALPHABET
from lpr.training.char_module import CharClassifier
from lpr.training.views import captioned_grid, tensorboard_writers


def character_writers(trainer: Trainer, pl_module: LightningModule) -> list:
    """The SummaryWriters of a character classifier's run: its views mean nothing for other modules."""
    return tensorboard_writers(trainer) if isinstance(pl_module, CharClassifier) else []


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
