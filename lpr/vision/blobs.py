"""Operations on the boxes of connected components (character-like blobs), and the image helpers segmentation
needs: pure OpenCV and NumPy, no settings."""
import cv2
import numpy as np

EMPTY_BOXES = np.zeros((0, 4), int)


def rotate(image: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """The image under a 2x3 rotation, its edges replicated so no black corners become ink."""
    return cv2.warpAffine(image, rotation, image.shape[::-1], flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def lab_chroma(bgr: np.ndarray) -> np.ndarray:
    """float32 colourfulness per pixel: the distance of its Lab (a, b) from grey; black, white and grey ink are 0."""
    a, b = (channel.astype(np.float32) - 128 for channel in cv2.split(cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB))[1:])
    return cv2.magnitude(a, b)


def merge_columns(boxes: np.ndarray, min_overlap: float, max_width: float) -> np.ndarray:
    """Union boxes that overlap horizontally by min_overlap of the narrower one (pieces of one character),
    as long as the union stays narrower than max_width."""
    if len(boxes) == 0:
        return EMPTY_BOXES
    boxes = boxes[np.argsort(boxes[:, 0])]
    merged = [boxes[0].copy()]
    for box in boxes[1:]:
        last = merged[-1]
        overlap = min(last[0] + last[2], box[0] + box[2]) - max(last[0], box[0])
        x0, y0 = min(last[0], box[0]), min(last[1], box[1])
        x1, y1 = max(last[0] + last[2], box[0] + box[2]), max(last[1] + last[3], box[1] + box[3])
        if overlap >= min_overlap * min(last[2], box[2]) and x1 - x0 <= max_width:
            merged[-1] = np.array([x0, y0, x1 - x0, y1 - y0])
        else:
            merged.append(box.copy())
    return np.array(merged, int).reshape(-1, 4)


def drop_outliers_by_gap(boxes: np.ndarray, max_gap: float) -> np.ndarray:
    """Keep the longest run of characters whose neighbours are no further apart than max_gap (boxes sorted by x)."""
    if len(boxes) < 2:
        return boxes
    gaps = boxes[1:, 0] - (boxes[:-1, 0] + boxes[:-1, 2])
    run_ids = np.concatenate([[0], np.cumsum(gaps > max_gap)])
    longest = np.argmax(np.bincount(run_ids))
    return boxes[run_ids == longest]
