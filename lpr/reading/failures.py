"""A picture of what reading got wrong: each failed photo with its true and read box, the crop, and both texts."""
import cv2
import numpy as np

from lpr.core.images import read_image
from lpr.core.plate_metrics import normalize_plate
from lpr.reading.pipeline import PlateResult


def failure_grid(results: list[PlateResult], count: int, tile_height: int = 64) -> np.ndarray | None:
    """Rows of: photo with the read box, plate crop with its segmented characters, prediction vs truth."""
    failures = [r for r in results if r.sample.text is not None and normalize_plate(r.text) != r.sample.text]
    rows = []
    for result in failures[:count]:
        photo = read_image(result.sample.image_path, color=True)
        for box, colour in ((result.sample.box, (0, 255, 0)), (result.box, (0, 0, 255))):
            if box is not None:
                x, y, w, h = box
                cv2.rectangle(photo, (x, y), (x + w, y + h), colour, max(2, photo.shape[1] // 300))
        photo = cv2.resize(photo, (round(photo.shape[1] * 2 * tile_height / photo.shape[0]), 2 * tile_height))
        crop = result.crop.copy()
        if result.segmentation is not None and not result.segmentation.angle:
            for x, y, w, h in result.segmentation.char_boxes:
                cv2.rectangle(crop, (int(x), int(y)), (int(x + w), int(y + h)), (0, 0, 255), 1)
        crop = cv2.resize(crop, (4 * tile_height, 2 * tile_height), interpolation=cv2.INTER_NEAREST)
        text = np.zeros((2 * tile_height, 4 * tile_height, 3), np.uint8)
        cv2.putText(text, f"read  {result.text or '-'}", (6, tile_height - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    (80, 80, 255), 2)
        cv2.putText(text, f"truth {result.sample.text}", (6, 2 * tile_height - 16), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    (80, 255, 80), 2)
        rows.append(np.hstack([photo[:, :6 * tile_height], crop, text]))
    if not rows:
        return None
    width = max(row.shape[1] for row in rows)
    return np.vstack([cv2.copyMakeBorder(r, 0, 2, 0, width - r.shape[1], cv2.BORDER_CONSTANT) for r in rows])
