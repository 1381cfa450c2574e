"""A trained plate detector as a function from a photo to its plate boxes, on torch or on onnxruntime.

The model is a checkpoint (`.ckpt`, torch) or an exported `MODEL.onnx` with its MODEL.json (onnxruntime only: no
torch import), by lpr.reading.engines.load's one rule; `shipped` names the one in lpr/pretrained/. Either way the photo is
letterboxed the way the detector trained (`lpr.core.preprocess.letterbox`), and the net's packed output is decoded
in NumPy (`lpr.core.centre_decode`), so both backends find the same boxes.
"""
from pathlib import Path
from typing import Annotated

import cv2
import numpy as np
from pydantic import Field, validate_call

from lpr.core.centre_decode import Detections, decode_centres
from lpr.core.errors import LprError
from lpr.core.preprocess import letterbox
from lpr.core.pretrained import DETECTOR, shipped_or
from lpr.reading.runtime import backend_of

Probability = Annotated[float, Field(gt=0, lt=1)]


def split_packed(packed: np.ndarray, num_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The detector's one output (N, C + 4, H, W) -> heatmap logits, log sizes, offsets."""
    return packed[:, :num_classes], packed[:, num_classes:num_classes + 2], packed[:, num_classes + 2:]


class PlateFinder:
    """`finder(photo)` -> the plates in a BGR photo as Detections in photo pixels, best first.

    `score_floor`, `max_boxes` and `nms_iou` default to what the detector was trained to read with."""

    @validate_call
    def __init__(self, model: str, score_floor: Probability | None = None, max_boxes: int | None = None,
                 nms_iou: Probability | None = None, threads: int | None = None):
        path = Path(shipped_or(model, DETECTOR))
        if backend_of(path) == "onnx":
            from lpr.reading.engines.onnx_model import OnnxModel, load_reader_info

            self.net, info = OnnxModel(path, threads), load_reader_info(path)
            if info.get("engine") != "detector":
                raise LprError(f"{path}: a {info.get('engine')} model, not a plate detector")
        else:
            from lpr.models.centernet import PackedOutputs
            from lpr.models.checkpoint import trained_net
            from lpr.reading.engines.torch_model import TorchModel

            net, hyper_parameters = trained_net(path, kind="detector")
            self.net = TorchModel(PackedOutputs(net))
            info = {"input_size": net.input_size, "stride": net.stride, "num_classes": net.num_classes,
                    **{key: hyper_parameters[key] for key in ("score_floor", "max_boxes", "nms_iou")}}
        self.input_size, self.stride, self.num_classes = info["input_size"], info["stride"], info["num_classes"]
        self.score_floor = score_floor if score_floor is not None else info["score_floor"]
        self.max_boxes = max_boxes if max_boxes is not None else info["max_boxes"]
        self.nms_iou = nms_iou if nms_iou is not None else info["nms_iou"]

    def batch(self, photos: list[np.ndarray]) -> tuple[np.ndarray, list[float]]:
        """BGR photos -> float32 (N, 3, S, S) RGB in [0, 1], letterboxed; and each photo's scale."""
        boxed = [letterbox(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB), self.input_size) for photo in photos]
        images = np.stack([image for image, _ in boxed]).astype(np.float32).transpose(0, 3, 1, 2) / 255
        return images, [scale for _, scale in boxed]

    def find(self, photos: list[np.ndarray], score_floor: float | None = None, max_boxes: int | None = None
             ) -> list[Detections]:
        """Each photo's detections; `score_floor` and `max_boxes` override the finder's (mAP ranks every peak)."""
        images, scales = self.batch(photos)
        found = decode_centres(*split_packed(self.net(images), self.num_classes), self.stride,
                               self.score_floor if score_floor is None else score_floor,
                               max_boxes or self.max_boxes, self.nms_iou)
        return [detections.scaled(scale) for detections, scale in zip(found, scales)]

    def __call__(self, photo: np.ndarray) -> Detections:
        return self.find([photo])[0]
