"""Centre-and-size decoding in NumPy: how a detector's heatmap, size and offset maps become boxes, the same in
training, in reading with torch and with onnxruntime; and how found boxes are scored against true ones."""
import cv2
import numpy as np


class Detections:
    """One image's boxes (k, 4) xyxy in input pixels, their scores (k,) and classes (k,), best first."""

    def __init__(self, boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray):
        self.boxes, self.scores, self.classes = boxes, scores, classes

    def __len__(self) -> int:
        return len(self.scores)

    def scaled(self, factor: float) -> "Detections":
        """The same detections with boxes divided by `factor` (input pixels per photo pixel)."""
        return Detections(self.boxes / factor, self.scores, self.classes)

    def kept(self, score_floor: float, max_boxes: int) -> "Detections":
        """The best `max_boxes` of the detections scored `score_floor` or more: what reading keeps of a ranking."""
        keep = np.flatnonzero(self.scores >= score_floor)[:max_boxes]
        return Detections(self.boxes[keep], self.scores[keep], self.classes[keep])


def heat_probabilities(heatmap_logits: np.ndarray) -> np.ndarray:
    """The heatmap's logits as probabilities (the sigmoid), in float32."""
    return 1 / (1 + np.exp(-heatmap_logits.astype(np.float32)))


def decode_centres(heatmap_logits: np.ndarray, size: np.ndarray, offset: np.ndarray, stride: int,
                   score_floor: float, max_boxes: int, nms_iou: float) -> list[Detections]:
    """(N, C, H, W) heatmap logits, (N, 2, H, W) log sizes and (N, 2, H, W) offsets -> each image's detections.

    A detection is a heatmap cell that is the maximum of its 3 x 3 neighbourhood (CenterNet's peak picking) with
    a probability of at least `score_floor`; at most `max_boxes` per image. Boxes overlapping a better one by more
    than `nms_iou` are dropped, whatever their class: a plate or a character is one object."""
    probabilities = heat_probabilities(heatmap_logits)
    found = []
    for heat, log_size, shift in zip(probabilities, size, offset):
        peaks = np.stack([cv2.dilate(channel, np.ones((3, 3), np.uint8)) for channel in heat]) == heat
        classes, ys, xs = np.nonzero(peaks & (heat >= score_floor))
        scores = heat[classes, ys, xs]
        best = np.argsort(-scores, kind="stable")[:max_boxes]
        classes, ys, xs, scores = classes[best], ys[best], xs[best], scores[best]
        w, h = np.exp(np.clip(log_size[:, ys, xs], -10, 10))
        cx, cy = (xs + shift[0, ys, xs]) * stride, (ys + shift[1, ys, xs]) * stride
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1).astype(np.float32)
        keep = cv2.dnn.NMSBoxes(np.c_[boxes[:, :2], boxes[:, 2:] - boxes[:, :2]].tolist(), scores.tolist(),
                                0.0, nms_iou) if len(scores) else []
        keep = np.sort(np.asarray(keep, int).ravel())
        found.append(Detections(boxes[keep].reshape(-1, 4), scores[keep], classes[keep]))
    return found


def pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, 4) and (m, 4) xyxy boxes -> (n, m) intersection over union."""
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(bottom_right - top_left, 0, None).prod(2)
    return inter / np.maximum(box_areas(a)[:, None] + box_areas(b)[None, :] - inter, 1e-9)


def box_areas(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def matched(found: np.ndarray, true: np.ndarray, iou: float = 0.5) -> int:
    """How many true boxes a found box covers at `iou` or more, each found box used once (greedy, best first)."""
    if not len(found) or not len(true):
        return 0
    overlaps = pairwise_iou(found, true)
    hits, used = 0, np.zeros(len(true), bool)
    for row in overlaps:
        candidates = np.where(~used & (row >= iou), row, -1)
        if candidates.max() >= 0:
            used[candidates.argmax()] = True
            hits += 1
    return hits
