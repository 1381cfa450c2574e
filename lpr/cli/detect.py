"""Find plates: `python -m lpr.detect detector=DETECTOR input=PATH [subset=all|train|val|test] [draw=true]`.

DETECTOR is a plate detector's checkpoint (torch) or exported MODEL.onnx (onnxruntime only); `text`, PP-OCR's text
detector lpr ships (every line of text), or a text detector fine-tuned on plates (`experiment=plate_text_detector`,
exported). PATH is an image, a folder
of images, or a detection folder (boxes.csv or OpenALPR): a labelled folder's photos are scored against their
boxes (recall and precision at IoU 0.5 at the detector's score floor; mAP50 and mAP over every peak), and
`subset` picks its share as the detector's training split it (configs/split/; `root.group` and `root.shares` as
in configs/data/detect.yaml). Writes boxes.csv (`image,x,y,w,h,score`), boxes.json, metrics.json and, with
draw=true, each photo with its boxes under drawn/ in the run dir.
"""
import csv
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from omegaconf import DictConfig

from lpr.cli.command import command
from lpr.cli.run_files import atomic_open, write_json_atomic, write_metrics, write_provenance
from lpr.core.boxes import xywh
from lpr.core.centre_decode import Detections
from lpr.core.config import instantiate
from lpr.core.errors import LprError
from lpr.core.images import IMAGE_SUFFIXES, PhotoLimits, load_photo
from lpr.core.pretrained import SHIPPED
from lpr.data.box_folders import BoxSample, DetectionRoot, holds_boxes, load_box_folder
from lpr.reading.locate.plate_detector import PlateFinder
from lpr.reading.engines.onnx_model import load_reader_info, reader_info_path
from lpr.reading.locate.text_finder import TextFinder

TEXT = "text"  # detector=text: the shipped text detector


def photos_of(cfg: DictConfig) -> list[BoxSample]:
    """The photos to search, with their labelled boxes where the input has labels (boxes None: unlabelled)."""
    path = Path(cfg.input)
    if path.is_file():
        return [BoxSample(path, None, path.name)]
    if not path.is_dir():
        raise LprError(f"{path}: input not found")
    if holds_boxes(path):
        root = DetectionRoot(str(path), cfg.root.group, cfg.root.shares)
        photos = load_box_folder(path)
        if cfg.subset != "all":
            split = instantiate(cfg.split)
            photos = [photo for photo in photos if root.share_of(photo.name, split) == cfg.subset]
        return photos
    if cfg.subset != "all":
        raise LprError(f"subset={cfg.subset}: {path} has no labels (boxes.csv, chars.csv or OpenALPR) to split by")
    photos = [BoxSample(p, None, p.name) for p in sorted(path.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]
    if not photos:
        raise LprError(f"{path}: no images")
    return photos


def scores(photos: list[BoxSample], ranked: list[Detections], kept: list[Detections]) -> dict:
    """The training's detection metrics (lpr.training.detect_module.DetectionScores) of these photos."""
    import torch

    from lpr.training.detect_module import DetectionScores

    metrics = DetectionScores()
    targets = [{"boxes": torch.from_numpy(p.boxes), "labels": torch.zeros(len(p.boxes), dtype=torch.long)}
               for p in photos]
    metrics.update(ranked, kept, targets)
    return {f"detect/{name}": float(value) for name, value in metrics.compute().items()} | \
        {"n_true": sum(len(p.boxes) for p in photos)}


def detect(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    if cfg.detector != TEXT and not Path(cfg.detector).exists():
        raise LprError(f"{cfg.detector}: detector not found")
    photos = photos_of(cfg)
    limits = instantiate(cfg.photo_limits)
    finder = finder_of(cfg)
    labelled = all(photo.boxes is not None for photo in photos)
    write_provenance(run_dir, cfg)
    problems, ranked, kept, read = [], [], [], []
    started = time.perf_counter()
    with ThreadPoolExecutor(cfg.threads or 2) as pool:
        for photo, loaded in zip(photos, pool.map(lambda photo: try_load(photo, limits), photos)):
            if isinstance(loaded, str):
                problems.append(loaded)
                continue
            image, scale, note = loaded
            if note:
                print(f"note: {photo.image_path}: {note}", file=sys.stderr)
            found = finder.find([image], cfg.map_floor if labelled else None, 100 if labelled else None)[0]
            found = found.scaled(scale) if scale != 1 else found  # boxes in the photo's own pixels
            kept.append(found.kept(finder.score_floor, finder.max_boxes))
            ranked.append(found)
            read.append(photo)
            if cfg.draw:
                draw(image, scale, photo, kept[-1], run_dir / "drawn" / photo.name)
    elapsed = time.perf_counter() - started
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not read:
        raise LprError(f"{cfg.input}: no photo could be read ({len(problems)} problem(s) above)")
    write_boxes(run_dir, read, kept)
    metrics = {"n_photos": len(read), "n_problems": len(problems), "n_found": sum(len(d) for d in kept),
               "photos_per_s": round(len(read) / elapsed, 2), "score_floor": finder.score_floor,
               "input": str(cfg.input), "subset": cfg.subset, "detector": str(cfg.detector)}
    if labelled:
        metrics.update(scores(read, ranked, kept))
    write_metrics(run_dir, metrics)
    print(f"{json.dumps({k: v for k, v in metrics.items() if '/' in k or k == 'photos_per_s'}, default=float)}\n"
          f"Run: {run_dir}  (boxes.csv, boxes.json, metrics.json{', drawn/' if cfg.draw else ''})", file=sys.stderr)
    return metrics


def finder_of(cfg: DictConfig) -> PlateFinder | TextFinder:
    """A text finder for `text` or an ONNX model whose JSON says it is a text detector; else a plate finder."""
    path = Path(str(cfg.detector))
    info = reader_info_path(path)
    if cfg.detector == TEXT or (path.suffix == ".onnx" and info.is_file()
                                and load_reader_info(path).get("engine") == "text_detector"):
        given = {key: cfg[key] for key in ("score_floor", "max_boxes") if cfg[key] is not None}
        return TextFinder(SHIPPED if cfg.detector == TEXT else str(path), threads=cfg.threads, **given)
    return PlateFinder(str(path), cfg.score_floor, cfg.max_boxes, cfg.nms_iou, cfg.threads)


def try_load(photo: BoxSample, limits: PhotoLimits) -> tuple[np.ndarray, float, str] | str:
    try:
        return load_photo(photo.image_path, limits)
    except LprError as error:
        return str(error)


def write_boxes(run_dir: Path, photos: list[BoxSample], found: list[Detections]) -> None:
    """boxes.csv (one row a plate, whole pixels) and boxes.json (each photo's plates, a photo with none included)."""
    listed = {}
    with atomic_open(run_dir / "boxes.csv", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image", "x", "y", "w", "h", "score"])
        for photo, detections in zip(photos, found):
            listed[photo.name] = []
            for found_box, score in zip(detections.boxes, detections.scores.tolist()):
                box = list(xywh(found_box))  # as lpr.read's predictions.csv gives the same box
                writer.writerow([photo.name, *box, f"{score:.4f}"])
                listed[photo.name].append({"box": box, "score": round(score, 4)})
                print(f"{photo.name}\t{' '.join(map(str, box))}\t{score:.3f}")
    write_json_atomic(run_dir / "boxes.json", listed)


def draw(image: np.ndarray, scale: float, photo: BoxSample, found: Detections, path: Path) -> None:
    """The photo (as loaded: `scale` of its own size) with its labelled boxes (red, where labelled) and the found
    ones (green, with their scores)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    thickness = max(1, round(max(image.shape[:2]) / 400))
    for x0, y0, x1, y1 in (photo.boxes * scale if photo.boxes is not None else []):
        cv2.rectangle(image, (round(x0), round(y0)), (round(x1), round(y1)), (0, 0, 255), thickness)
    for (x0, y0, x1, y1), score in zip(found.boxes * scale, found.scores):
        cv2.rectangle(image, (round(x0), round(y0)), (round(x1), round(y1)), (0, 255, 0), thickness)
        cv2.putText(image, f"{score:.2f}", (round(x0), max(10, round(y0) - 3)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4 * thickness, (0, 255, 0), thickness)
    cv2.imwrite(str(path.with_suffix(".jpg")), image)


def detect_task(cfg: DictConfig) -> float | None:
    return detect(cfg).get("detect/recall_50")


main = command(detect_task, "detect")
