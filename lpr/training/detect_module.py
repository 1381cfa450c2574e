"""The detector: centre-and-size training (CenterNet) of a net on photos and their boxes, scored with
torchmetrics' mean average precision and with recall and precision at the score floor lpr reads with."""
from collections.abc import Callable

import numpy as np
import torch
from lightning import LightningModule
from torch import nn
from torchmetrics import MaxMetric, SumMetric
from torchmetrics.detection import MeanAveragePrecision

from lpr.core.centre_decode import Detections, decode_centres, matched
from lpr.training.optimizers import configure


def centre_targets(targets: list[dict], num_classes: int, shape: tuple[int, int], stride: int
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training targets on the (H, W) output grid: a heatmap (N, C, H, W) with an elliptical Gaussian around each
    object's centre cell (1 at the cell itself), and for each object its (image, y, x) cell, log size and offset."""
    height, width = shape
    heatmap = torch.zeros(len(targets), num_classes, height, width)
    ys = torch.arange(height, dtype=torch.float32)[:, None]
    xs = torch.arange(width, dtype=torch.float32)[None, :]
    cells, sizes, offsets = [], [], []
    for index, target in enumerate(targets):
        boxes = target["boxes"].float().cpu()
        for (x0, y0, x1, y1), label in zip(boxes.tolist(), target["labels"].tolist()):
            w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
            cx, cy = (x0 + x1) / 2 / stride, (y0 + y1) / 2 / stride
            col, row = min(int(cx), width - 1), min(int(cy), height - 1)
            sigma_x, sigma_y = max(0.5, w / stride / 6), max(0.5, h / stride / 6)
            blob = torch.exp(-((xs - col) ** 2 / (2 * sigma_x ** 2) + (ys - row) ** 2 / (2 * sigma_y ** 2)))
            heatmap[index, label] = torch.maximum(heatmap[index, label], blob)
            cells.append((index, row, col))
            sizes.append((np.log(w), np.log(h)))
            offsets.append((cx - col, cy - row))
    return (heatmap, torch.tensor(cells, dtype=torch.long).reshape(-1, 3),
            torch.tensor(sizes, dtype=torch.float32).reshape(-1, 2),
            torch.tensor(offsets, dtype=torch.float32).reshape(-1, 2))


def focal_loss(logits: torch.Tensor, heatmap: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss: cells near a centre are punished less for firing."""
    probabilities = logits.sigmoid().clamp(1e-4, 1 - 1e-4)
    positive = heatmap.eq(1).float()
    positive_loss = torch.log(probabilities) * (1 - probabilities) ** 2 * positive
    negative_loss = torch.log(1 - probabilities) * probabilities ** 2 * (1 - heatmap) ** 4 * (1 - positive)
    return -(positive_loss.sum() + negative_loss.sum()) / positive.sum().clamp(min=1)


class DetectionScores(nn.Module):
    """One stage's detection metrics: mAP (IoU 0.5:0.95) and mAP50 over every box the net finds, recall and
    precision at IoU 0.5 of the boxes at the reading score floor."""

    def __init__(self):
        super().__init__()
        self.average_precision = MeanAveragePrecision(box_format="xyxy", iou_type="bbox")
        self.hits, self.found, self.true = SumMetric(), SumMetric(), SumMetric()

    def update(self, ranked: list[Detections], kept: list[Detections], targets: list[dict]):
        self.average_precision.update(
            [{"boxes": torch.from_numpy(d.boxes), "scores": torch.from_numpy(d.scores),
              "labels": torch.from_numpy(d.classes).long()} for d in ranked],
            [{"boxes": t["boxes"].float().cpu(), "labels": t["labels"].cpu()} for t in targets])
        for detections, target in zip(kept, targets):
            true = target["boxes"].float().cpu().numpy()
            self.hits.update(matched(detections.boxes, true))
            self.found.update(len(detections))
            self.true.update(len(true))

    def compute(self) -> dict[str, torch.Tensor]:
        precision = self.average_precision.compute()
        hits = self.hits.compute()
        return {"map": precision["map"], "map_50": precision["map_50"],
                "recall_50": hits / self.true.compute().clamp(min=1),
                "precision_50": hits / self.found.compute().clamp(min=1)}

    def reset(self):
        for metric in (self.average_precision, self.hits, self.found, self.true):
            metric.reset()


class DetectionLoop(LightningModule):
    """What every plate detector's training shares: the loop, the metrics (mAP over every box found down to
    `hparams.map_floor`, recall and precision at `hparams.score_floor`) and the optimizer. A detector brings its
    `loss(outputs, targets)` and `detect(outputs, score_floor, max_boxes)`."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net
        self.val_scores, self.test_scores = DetectionScores(), DetectionScores()
        self.val_map_50_best = MaxMetric()

    @property
    def input_size(self) -> int:
        return self.net.input_size

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.net(images)

    def training_step(self, batch, batch_idx):
        images, targets = batch
        losses = self.loss(self(images), targets)
        for name, value in losses.items():
            self.log(f"train/{name}", value, on_step=name == "loss", on_epoch=True, prog_bar=name == "loss",
                     batch_size=len(images))
        return losses["loss"]

    def evaluate(self, batch, stage: str):
        images, targets = batch
        outputs = self(images)
        self.log(f"{stage}/loss", self.loss(outputs, targets)["loss"], on_epoch=True, prog_bar=True,
                 batch_size=len(images))
        ranked = self.detect(outputs, self.hparams.map_floor, max_boxes=100)  # COCO's mAP counts up to 100 a photo
        kept = [d.kept(self.hparams.score_floor, self.hparams.max_boxes) for d in ranked]
        getattr(self, f"{stage}_scores").update(ranked, kept, targets)

    def log_scores(self, stage: str) -> dict[str, torch.Tensor]:
        scores = getattr(self, f"{stage}_scores")
        values = scores.compute()
        for name, value in values.items():
            self.log(f"{stage}/{name}", value, prog_bar=name in ("map_50", "recall_50"))
        scores.reset()
        return values

    def validation_step(self, batch, batch_idx):
        self.evaluate(batch, "val")

    def on_train_start(self):
        self.val_map_50_best.reset()  # sanity-check validation must not count as the best

    def on_validation_epoch_end(self):
        values = self.log_scores("val")
        self.val_map_50_best(values["map_50"])
        self.log("val/map_50_best", self.val_map_50_best.compute(), prog_bar=True)

    def test_step(self, batch, batch_idx):
        self.evaluate(batch, "test")

    def on_test_epoch_end(self):
        self.log_scores("test")

    def configure_optimizers(self):
        return configure(self, interval=self.hparams.scheduler_interval)


class PlateDetector(DetectionLoop):
    """CenterNet training of `net` ((N, 3, S, S) -> heatmap logits, log sizes, offsets) on photos and boxes.

    `engine="detector"` is saved with the hyperparameters: it is how lpr tells this checkpoint from a reader's.
    `score_floor`, `max_boxes` and `nms_iou` are how boxes are decoded when reading; mAP is measured on every
    peak down to `map_floor`. `optimizer` and `scheduler` are Hydra partials.
    """

    def __init__(self, net: nn.Module, optimizer: Callable, scheduler: Callable | None = None,
                 scheduler_interval: str = "epoch", size_weight: float = 1.0, offset_weight: float = 1.0,
                 score_floor: float = 0.3, map_floor: float = 0.01, max_boxes: int = 20, nms_iou: float = 0.5,
                 engine: str = "detector"):
        super().__init__(net)
        self.save_hyperparameters(logger=False)

    def loss(self, outputs, targets: list[dict]) -> dict[str, torch.Tensor]:
        heatmap_logits, size, offset = outputs
        heatmap, cells, sizes, offsets = centre_targets(targets, heatmap_logits.shape[1], heatmap_logits.shape[-2:],
                                                        self.net.stride)
        heat = focal_loss(heatmap_logits, heatmap.to(heatmap_logits.device))
        if len(cells):
            index, row, col = cells.to(size.device).unbind(1)
            size_loss = nn.functional.l1_loss(size[index, :, row, col], sizes.to(size.device))
            offset_loss = nn.functional.l1_loss(offset[index, :, row, col], offsets.to(size.device))
        else:  # a batch of photos without plates teaches the heatmap only
            size_loss = offset_loss = heatmap_logits.sum() * 0
        total = heat + self.hparams.size_weight * size_loss + self.hparams.offset_weight * offset_loss
        return {"loss": total, "heatmap_loss": heat, "size_loss": size_loss, "offset_loss": offset_loss}

    def detect(self, outputs, score_floor: float, max_boxes: int) -> list[Detections]:
        heatmap_logits, size, offset = (t.detach().float().cpu().numpy() for t in outputs)
        return decode_centres(heatmap_logits, size, offset, self.net.stride, score_floor, max_boxes,
                              self.hparams.nms_iou)
