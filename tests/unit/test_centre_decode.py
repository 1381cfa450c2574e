"""Centre-and-size decoding and box matching: what turns a detector's maps into boxes, and how boxes are scored."""
import numpy as np

from lpr.core.centre_decode import decode_centres, matched, pairwise_iou


def maps_with(objects: list[tuple[int, int, float, float, float]], shape=(1, 1, 16, 16)):
    """Heatmap logits, log sizes and offsets with a peak of probability p at each (row, col, w, h, p)."""
    heatmap = np.full(shape, -9.0, np.float32)
    size = np.zeros((1, 2, *shape[2:]), np.float32)
    offset = np.full((1, 2, *shape[2:]), 0.5, np.float32)
    for row, col, w, h, p in objects:
        heatmap[0, 0, row, col] = np.log(p / (1 - p))
        heatmap[0, 0, row, col + 1] = np.log(p / 2 / (1 - p / 2))  # a weaker neighbour: not a peak of its own
        size[0, :, row, col] = np.log([w, h])
    return heatmap, size, offset


def test_each_peak_is_one_box_at_its_centre_and_size():
    [found] = decode_centres(*maps_with([(3, 4, 20.0, 8.0, 0.9), (10, 10, 12.0, 6.0, 0.6)]), stride=4,
                             score_floor=0.3, max_boxes=10, nms_iou=0.5)
    assert len(found) == 2 and np.allclose(found.scores, [0.9, 0.6], atol=1e-5)
    centre = (4 + 0.5) * 4, (3 + 0.5) * 4
    assert np.allclose(found.boxes[0], [centre[0] - 10, centre[1] - 4, centre[0] + 10, centre[1] + 4], atol=1e-4)


def test_weak_and_surplus_peaks_are_dropped():
    maps = maps_with([(3, 4, 20.0, 8.0, 0.9), (10, 10, 12.0, 6.0, 0.2), (12, 2, 8.0, 8.0, 0.5)])
    [found] = decode_centres(*maps, stride=4, score_floor=0.3, max_boxes=10, nms_iou=0.5)
    assert np.allclose(found.scores, [0.9, 0.5], atol=1e-5)
    [found] = decode_centres(*maps, stride=4, score_floor=0.3, max_boxes=1, nms_iou=0.5)
    assert len(found) == 1


def test_overlapping_peaks_keep_the_better_box():
    [found] = decode_centres(*maps_with([(5, 5, 40.0, 12.0, 0.9), (5, 7, 40.0, 12.0, 0.7)]), stride=4,
                             score_floor=0.3, max_boxes=10, nms_iou=0.5)
    assert len(found) == 1 and np.isclose(found.scores[0], 0.9, atol=1e-5)


def test_found_boxes_cover_true_boxes_once_each():
    true = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
    found = np.array([[1, 1, 10, 10], [0, 0, 9, 9], [50, 50, 60, 60]], np.float32)
    assert np.isclose(pairwise_iou(found, true)[0, 0], 81 / 100)
    assert matched(found, true) == 1  # two boxes on the first plate count once; none on the second
    assert matched(found[:0], true) == 0 and matched(found, true[:0]) == 0
