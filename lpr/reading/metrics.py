"""What a read scores: how many photos gave a plate and why the others gave none, and where labels exist the plate
metrics (lpr.core.plate_metrics) of the plates read; for locate=detector, of the found plate on each labelled box."""
from collections import Counter
from pathlib import Path

import numpy as np

from lpr.core.boxes import box_iou
from lpr.core.plate_metrics import plate_metrics
from lpr.data.samples import PlateSample
from lpr.reading.pipeline import PlateResult, Status

STATUS_KEYS = {Status.NO_PLATE_FOUND: "n_no_plate_found", Status.NOT_A_PLATE: "n_not_a_plate",
               Status.UNSURE: "n_below_min_confidence", Status.TOO_SMALL: "n_too_small"}


def status_counts(results: list[PlateResult]) -> dict:
    """How many photos gave no plate, and why; how many were scaled down to be read."""
    counts = Counter(result.status for result in results)
    return {"n_no_plate": sum(not result.found for result in results),
            **{key: counts[status] for status, key in STATUS_KEYS.items()},
            "n_scaled_down": len({result.sample.name for result in results if result.note})}


def read_metrics(mode: str, photos: list[PlateSample], samples: list[PlateSample],
                 results: list[PlateResult]) -> dict:
    """The plate metrics of a read of `samples` (those of `photos`, the photos read): for locate=detector, plates
    found per photo and each labelled plate's found plate; otherwise each labelled photo's reading, and for
    locate=auto the share of labelled boxes its pick found (locate/recall)."""
    if mode == "detector":
        read_photos = {photo.image_path for photo in photos}
        return found_plate_metrics(photos, [s for s in samples if s.image_path in read_photos],
                                   [result for result in results if result.found])
    labelled = [result for result in results if result.sample.text is not None]
    if not labelled:
        return {}
    metrics = plate_metrics([r.text for r in labelled], [r.sample.text for r in labelled])
    boxed = [r for r in labelled if r.sample.box is not None]
    if mode == "auto" and boxed:
        metrics["locate/recall"] = float(np.mean([r.box is not None and box_iou(r.box, r.sample.box) >= 0.5
                                                  for r in boxed]))
    return metrics


def found_plate_metrics(photos: list[PlateSample], plates: list[PlateSample], results: list[PlateResult]) -> dict:
    """Plates found per photo, and for each labelled plate of the photos read the plate metrics of the found plate
    that is the labelled one (the best overlap with its box at IoU 0.5 or more; without a box, the most confident
    of its photo): a plate not found reads as empty. locate/recall: the share of labelled boxes found."""
    found: dict[Path, list[PlateResult]] = {}
    for result in results:
        found.setdefault(result.sample.image_path, []).append(result)
    metrics = {"n_photos": len(photos), "n_plates_found": len(results),
               "n_photos_without_plate": sum(photo.image_path not in found for photo in photos)}
    labelled = [plate for plate in plates if plate.text is not None]
    if labelled:
        chosen = [labelled_plate(plate, found.get(plate.image_path, [])) for plate in labelled]
        metrics.update(plate_metrics([r.text if r else "" for r in chosen], [photo.text for photo in labelled]))
        boxed = [r for r, photo in zip(chosen, labelled) if photo.box is not None]
        if boxed:
            metrics["locate/recall"] = sum(r is not None for r in boxed) / len(boxed)
    return metrics


def labelled_plate(photo: PlateSample, found: list[PlateResult]) -> PlateResult | None:
    """The found plate that is a labelled one: the best overlap with its box at IoU 0.5 or more; without a box,
    the most confident of its photo."""
    if photo.box is None:
        return max(found, key=lambda r: r.confidence, default=None)
    overlaps = [(box_iou(r.box, photo.box), r) for r in found]
    best = max(overlaps, key=lambda pair: pair[0], default=(0.0, None))
    return best[1] if best[0] >= 0.5 else None
