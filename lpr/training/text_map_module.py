"""The plate detector that starts from PP-OCR's text detector (lpr.models.ppocr_det): DB's probability map trained on
plate boxes, so that "text" comes to mean "plate". The loop and metrics are every detector's
(lpr.training.detect_module.DetectionLoop); the targets, loss and decoding are DB's.
"""
from collections.abc import Callable

import torch
from torch import nn

from lpr.core.centre_decode import Detections
from lpr.core.text_map import text_lines
from lpr.training.detect_module import DetectionLoop


def plate_maps(targets: list[dict], shape: tuple[int, int], shrink: float) -> torch.Tensor:
    """(N, 1, H, W): 1 inside each plate box shrunk as DB shrinks its text regions (by area x (1 - shrink^2) /
    perimeter each way, so that decoding's unclip grows a found region back to the plate), 0 elsewhere."""
    maps = torch.zeros(len(targets), 1, *shape)
    for index, target in enumerate(targets):
        for x0, y0, x1, y1 in target["boxes"].float().cpu().tolist():
            w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
            inset = w * h * (1 - shrink ** 2) / (2 * (w + h))
            left, top = round(x0 + inset), round(y0 + inset)
            maps[index, 0, top:max(top + 1, round(y1 - inset)), left:max(left + 1, round(x1 - inset))] = 1
    return maps


def balanced_bce(logits: torch.Tensor, maps: torch.Tensor, negative_ratio: int) -> torch.Tensor:
    """DB's balanced cross-entropy: every plate pixel, and only the hardest `negative_ratio` times as many others
    (plates cover a sliver of a photo: an even mean would learn "nothing is a plate")."""
    losses = nn.functional.binary_cross_entropy_with_logits(logits, maps, reduction="none")
    positive = maps > 0.5
    n_positive = int(positive.sum())
    hardest = losses[~positive].topk(min(int((~positive).sum()), max(negative_ratio * n_positive, 1024))).values
    return (losses[positive].sum() + hardest.sum()) / (n_positive + len(hardest))


def dice_loss(logits: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
    probabilities = logits.sigmoid()
    return 1 - 2 * (probabilities * maps).sum() / (probabilities.sum() + maps.sum() + 1e-6)


class PlateTextDetector(DetectionLoop):
    """DB training of `net` ((N, 3, S, S) RGB -> (N, 1, S, S) plate logits) on photos and boxes: balanced
    cross-entropy plus `dice_weight` x dice on the shrunk plate maps. Boxes are decoded as lpr.reading.locate.text_finder
    decodes PP-OCR's map (`pixel_floor`, `unclip`); `score_floor`, `map_floor` and `max_boxes` as the CenterNet
    detector's. `engine="text_detector"` tells its checkpoints apart."""

    def __init__(self, net: nn.Module, optimizer: Callable, scheduler: Callable | None = None,
                 scheduler_interval: str = "step", shrink: float = 0.4, negative_ratio: int = 3,
                 dice_weight: float = 1.0, pixel_floor: float = 0.3, unclip: float = 1.5, score_floor: float = 0.5,
                 map_floor: float = 0.01, max_boxes: int = 20, engine: str = "text_detector"):
        super().__init__(net)
        self.save_hyperparameters(logger=False)

    def loss(self, outputs: torch.Tensor, targets: list[dict]) -> dict[str, torch.Tensor]:
        maps = plate_maps(targets, outputs.shape[-2:], self.hparams.shrink).to(outputs.device)
        bce, dice = balanced_bce(outputs, maps, self.hparams.negative_ratio), dice_loss(outputs, maps)
        return {"loss": bce + self.hparams.dice_weight * dice, "bce_loss": bce, "dice_loss": dice}

    def detect(self, outputs: torch.Tensor, score_floor: float, max_boxes: int) -> list[Detections]:
        return [text_lines(probability, self.hparams.pixel_floor, score_floor, self.hparams.unclip
                           ).kept(score_floor, max_boxes)
                for probability in outputs.detach().float().sigmoid().cpu().numpy()[:, 0]]
