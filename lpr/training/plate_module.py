"""The whole-plate recognizer: CTC training of a sequence net, with plate metrics aggregated by torchmetrics."""
from collections.abc import Callable

import torch
from lightning import LightningModule
from torch import nn
from torchmetrics import MaxMetric, MeanMetric
from torchmetrics.text import CharErrorRate

from lpr.core.alphabet import CHAR_TO_INDEX
from lpr.core.plate_metrics import char_matches, char_positions, exact_matches
from lpr.core.ctc_decode import BLANK, ctc_greedy_decode
from lpr.training.optimizers import configure


def encode_texts(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Plate texts -> concatenated CTC targets (classes 1..36) and their lengths."""
    targets = torch.tensor([CHAR_TO_INDEX[c] + 1 for text in texts for c in text], dtype=torch.long)
    return targets, torch.tensor([len(text) for text in texts], dtype=torch.long)


class PlateMetrics(nn.Module):
    """One stage's plate metrics: CTC loss, exact plate accuracy, per-character accuracy, character error rate."""

    def __init__(self):
        super().__init__()
        self.loss, self.plate_acc, self.char_acc, self.cer = MeanMetric(), MeanMetric(), MeanMetric(), CharErrorRate()

    def update(self, loss: torch.Tensor, predicted: list[str], target: list[str]):
        self.loss(loss)
        self.plate_acc(torch.tensor(exact_matches(predicted, target), dtype=torch.float))
        positions = sum(map(char_positions, predicted, target))
        self.char_acc(sum(map(char_matches, predicted, target)) / positions, positions)
        self.cer(predicted, target)


class PlateRecognizer(LightningModule):
    """CTC training of `net` ((N, 1, H, W) -> (N, T, 1 + 36) logits) on plate crops and their texts.

    `engine="crnn"` is saved with the hyperparameters: it is how `lpr.read` tells this checkpoint from a
    character classifier's. `optimizer` and `scheduler` are Hydra partials.
    """

    def __init__(self, net: nn.Module, optimizer: Callable, scheduler: Callable | None = None,
                 scheduler_interval: str = "epoch", engine: str = "crnn"):
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.net = net
        self.ctc_loss = nn.CTCLoss(blank=BLANK, zero_infinity=True)
        self.train_metrics, self.val_metrics, self.test_metrics = PlateMetrics(), PlateMetrics(), PlateMetrics()
        self.val_plate_acc_best = MaxMetric()

    @property
    def input_size(self) -> tuple[int, int]:
        return self.net.input_height, self.net.input_width

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).log_softmax(dim=2)

    def shared_step(self, batch, stage: str) -> torch.Tensor:
        images, texts = batch
        log_probs = self(images)
        targets, target_lengths = encode_texts(texts)
        input_lengths = torch.full((len(texts),), log_probs.shape[1], dtype=torch.long)
        # cuDNN's CTC wants float32 (T, N, C); the loss is averaged over target lengths ("mean").
        loss = self.ctc_loss(log_probs.transpose(0, 1).float(), targets, input_lengths, target_lengths)
        metrics = getattr(self, f"{stage}_metrics")
        decoded = ctc_greedy_decode(log_probs.detach().float().cpu().numpy())
        metrics.update(loss.detach(), [reading.text for reading in decoded], texts)
        for name in ("loss", "plate_acc", "char_acc", "cer"):
            self.log(f"{stage}/{name}", getattr(metrics, name), on_step=False, on_epoch=True,
                     prog_bar=name in ("loss", "plate_acc"), batch_size=len(texts))
        return loss

    def on_train_start(self):
        self.val_plate_acc_best.reset()  # sanity-check validation must not count as the best

    def training_step(self, batch, batch_idx):
        loss = self.shared_step(batch, "train")
        self.log("train/loss_step", loss, on_step=True, on_epoch=False)  # CTC's blank plateau shows here
        return loss

    def validation_step(self, batch, batch_idx):
        self.shared_step(batch, "val")

    def on_validation_epoch_end(self):
        self.val_plate_acc_best(self.val_metrics.plate_acc.compute())
        self.log("val/plate_acc_best", self.val_plate_acc_best.compute(), sync_dist=True, prog_bar=True)

    def test_step(self, batch, batch_idx):
        self.shared_step(batch, "test")

    def configure_optimizers(self):
        return configure(self, interval=self.hparams.scheduler_interval)
