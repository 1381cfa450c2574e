"""A plate detector's view (configs/callbacks/views/detection.yaml): its boxes on validation photos."""
import torch
from lightning.pytorch import Callback
from pydantic import PositiveInt, validate_call
from torchvision.utils import draw_bounding_boxes, make_grid

from lpr.training.detect_module import DetectionLoop
from lpr.training.views import tensorboard_writers


class DetectionGrid(Callback):
    """Each val epoch: the first `max_images` val photos with their true boxes (red) and the boxes the detector
    keeps at its reading score floor (green, with their scores), so misses and false plates show, not only mAP.
    Any detector (a DetectionLoop: CenterNet or the text detector's fine-tune); other modules pass untouched."""

    @validate_call
    def __init__(self, max_images: PositiveInt = 8, columns: PositiveInt = 4):
        self.max_images, self.columns = max_images, columns

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        writers = tensorboard_writers(trainer)
        if batch_idx or trainer.sanity_checking or not writers or not isinstance(pl_module, DetectionLoop):
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
