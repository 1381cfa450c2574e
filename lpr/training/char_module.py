"""The LightningModule that trains any character classifier net: loss, metrics, optimizer from config."""
import warnings
from collections.abc import Callable

import matplotlib.pyplot as plt
import torch
from lightning import LightningModule
from lightning.pytorch.loggers import TensorBoardLogger
from torch import nn
from torchmetrics import MaxMetric, MeanMetric
from torchmetrics.classification import MulticlassAccuracy, MulticlassConfusionMatrix

from lpr.core.alphabet import ALPHABET
from lpr.training.optimizers import configure


# The net is kept in the hyperparameters on purpose: a checkpoint then rebuilds its own architecture.
warnings.filterwarnings("ignore", message="Attribute 'net' is an instance of `nn.Module`")


class CharClassifier(LightningModule):
    """Cross-entropy classification of character crops into the 36-class alphabet.

    `net` is a plain nn.Module taking (N, 1, S, S) in [0, 1] and returning logits; `optimizer` and
    `scheduler` are partials from Hydra (`_partial_: true`) so that the YAML decides them.
    """

    def __init__(self, net: nn.Module, optimizer: Callable, scheduler: Callable | None = None,
                 channels_last: bool = True, log_confusion: bool = True):
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.net = net.to(memory_format=torch.channels_last) if channels_last else net
        num_classes = len(ALPHABET)
        self.train_acc = MulticlassAccuracy(num_classes, average="micro")
        self.val_acc = MulticlassAccuracy(num_classes, average="micro")
        self.test_acc = MulticlassAccuracy(num_classes, average="micro")
        self.train_loss, self.val_loss, self.test_loss = MeanMetric(), MeanMetric(), MeanMetric()
        self.val_acc_best = MaxMetric()
        self.val_acc_best.persistent(True)  # kept in checkpoints, so a resumed run remembers its best
        self.val_confusion = MulticlassConfusionMatrix(num_classes)
        self.test_confusion = MulticlassConfusionMatrix(num_classes)
        self.last_confusion_figure = None

    @property
    def input_size(self) -> int:
        return self.net.input_size

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.hparams.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)  # oneDNN's fast path on CPU
        return self.net(images)

    def shared_step(self, batch, loss_metric, acc_metric, confusion=None):
        images, labels = batch
        logits = self(images)
        loss = nn.functional.cross_entropy(logits, labels)
        loss_metric(loss)
        acc_metric(logits, labels)
        if confusion is not None:
            confusion(logits, labels)
        return loss

    def training_step(self, batch, batch_idx):
        loss = self.shared_step(batch, self.train_loss, self.train_acc)
        self.log("train/loss", self.train_loss, on_step=False, on_epoch=True, prog_bar=True)
        self.log("train/acc", self.train_acc, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        self.shared_step(batch, self.val_loss, self.val_acc, self.val_confusion)
        self.log("val/loss", self.val_loss, on_step=False, on_epoch=True, prog_bar=True)
        self.log("val/acc", self.val_acc, on_step=False, on_epoch=True, prog_bar=True)

    def on_validation_epoch_end(self):
        if not self.trainer.sanity_checking:  # the untrained sanity check must not count as the best
            self.val_acc_best(self.val_acc.compute())
            self.log("val/acc_best", self.val_acc_best.compute(), sync_dist=True, prog_bar=True)
        self.log_confusion("val/confusion", self.val_confusion)

    def test_step(self, batch, batch_idx):
        self.shared_step(batch, self.test_loss, self.test_acc, self.test_confusion)
        self.log("test/loss", self.test_loss, on_step=False, on_epoch=True)
        self.log("test/acc", self.test_acc, on_step=False, on_epoch=True)

    def on_test_epoch_end(self):
        self.log_confusion("test/confusion", self.test_confusion)

    def log_confusion(self, tag: str, confusion: MulticlassConfusionMatrix):
        """Send the epoch's confusion matrix to TensorBoard as a figure; keeps the last one for saving."""
        if self.trainer.sanity_checking or not self.hparams.log_confusion:
            confusion.reset()
            return
        if self.last_confusion_figure is not None:
            plt.close(self.last_confusion_figure)
        figure, _ = confusion.plot(labels=list(ALPHABET), add_text=False)  # cell labels cost seconds
        figure.set_size_inches(7, 7)
        figure.set_dpi(72)
        confusion.reset()
        for logger in self.loggers:
            if isinstance(logger, TensorBoardLogger):
                logger.experiment.add_figure(tag, figure, global_step=self.current_epoch, close=False)
        self.last_confusion_figure = figure

    def configure_optimizers(self):
        return configure(self, monitor="val/acc")
