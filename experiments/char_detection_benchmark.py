"""The seed method with learned segmentation, beside contours, the one-network reader and the CRNN, on photos none
of them trained on.

    .venv/bin/python experiments/char_detection_benchmark.py --classifier CKPT --char-detector CKPT
        [--char-reader CKPT] [--crnn CKPT] [--threads 2] [--out logs/bench/char_detection]
        [--results experiments/RESULTS.md | --no-results]

- Reading: each OpenALPR region's held-out photos, `lpr.read locate=box` (the labelled box, three voting margins):
  the character CNN (`--classifier`, e.g. `experiment=plates`) after `segment=contours` and after
  `segment=detector` (`--char-detector`, `experiment=char_detector`); the one-network reader (`--char-reader`,
  `experiment=char_reader`) and a CRNN (`--crnn`) on the same boxes. Exact and CER.
- Character boxes on real crops: no held-out plate has hand-drawn character boxes, so they are derived: where the
  character CNN after contours reads a held-out plate exactly (one crop at `locate.crop_margin`), its contour boxes
  are taken as the truth (correct text, one box a character: the boxes are right or the reading could not be).
  The detector's recall and precision at IoU 0.5 against them. The sample leans to plates contours cut well.
- Speed: every model exported (`lpr.export`, verified against torch), then plates/s of the onnxruntime engine alone
  on the held-out box crops, cut and held in memory (`--threads` intra-op threads), the median of three passes.
Prints the tables, writes OUT/metrics.json and appends them to experiments/RESULTS.md's benchmark runs.
"""
import argparse
import statistics
import time

import numpy as np
from omegaconf import OmegaConf

from lpr.cli.run_files import write_metrics
from lpr.core.boxes import crop_box
from lpr.core.centre_decode import pairwise_iou
from lpr.core.config import CONFIG_DIR, instantiate, shared_data_dir
from lpr.core.images import read_image
from lpr.data.samples import load_plate_samples
from lpr.reading.engines.load import load_engine
from lpr.vision.segment import CharSegmenter

from detector_benchmark import run
from plates_benchmark import REGIONS, read_defaults
from results_md import append_run, output_arguments


def held_out_crops(region: str) -> tuple[list[np.ndarray], list[str]]:
    """The held-out photos' labelled boxes cut at lpr.read's crop margin, and their texts."""
    split, margin = read_defaults()
    samples = [s for s in load_plate_samples(shared_data_dir() / "openalpr-endtoend" / region)[0]
               if split.held_out(s.name)]
    crops = [crop_box(read_image(s.image_path, color=True), s.box, margin)[0] for s in samples]
    return crops, [s.text for s in samples]


def xyxy(boxes: np.ndarray) -> np.ndarray:
    return np.c_[boxes[:, :2], boxes[:, :2] + boxes[:, 2:]].astype(np.float32)


def learned_segmenter(model: str, threads: int):
    """`segment=detector` as lpr.read builds it (configs/segment/detector.yaml: its score floor, cuts and order)."""
    cfg = OmegaConf.load(CONFIG_DIR / "segment" / "detector.yaml")
    cfg.model, cfg.threads = model, threads
    return instantiate(cfg)


def char_box_scores(classifier: str, found_by, crops: list[np.ndarray], texts: list[str]) -> dict:
    """`found_by`'s character boxes against contour boxes verified by an exact reading (module docstring): recall
    (true boxes found at IoU 0.5) and precision (found boxes on a true one)."""
    contours = load_engine(classifier, segmenter=CharSegmenter())
    plates = true = hit = found = right = 0
    for crop, text, reading in zip(crops, texts, contours.read_crops(crops)):
        if reading.text != text:
            continue
        truth, boxes = xyxy(reading.segmentation.char_boxes), xyxy(found_by(crop).char_boxes)
        iou = pairwise_iou(truth, boxes) if len(boxes) else np.zeros((len(truth), 0), np.float32)
        plates, true, found = plates + 1, true + len(truth), found + len(boxes)
        hit += int((iou.max(1, initial=0) >= 0.5).sum())
        right += int((iou.max(0, initial=0) >= 0.5).sum()) if len(boxes) else 0
    return {"plates": plates, "chars": true, "recall": hit / max(true, 1), "precision": right / max(found, 1)}


def plates_per_s(engine, crops: list[np.ndarray]) -> float:
    """Median of three passes of the engine over all crops in one call."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        engine.read_crops(crops)
        times.append(time.perf_counter() - start)
    return len(crops) / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifier", required=True, help="character CNN checkpoint (experiment=plates)")
    parser.add_argument("--char-detector", required=True, help="experiment=char_detector checkpoint")
    parser.add_argument("--char-reader", help="experiment=char_reader checkpoint")
    parser.add_argument("--crnn", help="whole-plate CRNN checkpoint")
    parser.add_argument("--threads", type=int, default=2)
    output_arguments(parser, "char_detection")
    args = parser.parse_args()
    out = args.out.resolve()
    onnx = {name: out / f"{name}.onnx" for name in ("classifier", "char_detector", "char_reader", "crnn")}
    checkpoints = {"classifier": args.classifier, "char_detector": args.char_detector, "char_reader": args.char_reader,
                   "crnn": args.crnn}
    for name, ckpt in checkpoints.items():
        if ckpt:
            run("lpr.export", [f"ckpt_path={ckpt}", f"output={onnx[name]}"], out / f"export-{name}")
    readers = {"contours + CNN": [f"ckpt_path={args.classifier}", "segment=contours"],
               "detector + CNN": [f"ckpt_path={args.classifier}", "segment=detector",
                                  f"segment.model={args.char_detector}"]}
    readers.update({label: [f"ckpt_path={checkpoints[name]}"] for label, name in
                    (("one network", "char_reader"), ("CRNN", "crnn")) if checkpoints[name]})
    engines = {"contours + CNN": load_engine(onnx["classifier"], threads=args.threads),
               "detector + CNN": load_engine(onnx["classifier"], threads=args.threads,
                                             segmenter=learned_segmenter(str(onnx["char_detector"]), args.threads))}
    engines.update({label: load_engine(onnx[name], threads=args.threads) for label, name in
                    (("one network", "char_reader"), ("CRNN", "crnn")) if checkpoints[name]})

    metrics, rows = {}, []
    photos = shared_data_dir() / "openalpr-endtoend"
    for label, overrides in readers.items():
        key = label.replace(" + ", "_").replace(" ", "_").lower()
        cells = []
        for region in REGIONS:
            read = run("lpr.read", [*overrides, f"input={photos / region}", "locate=box", "subset=holdout",
                                    f"threads={args.threads}"], out / f"read-{key}-{region}")
            metrics.update({f"{key}/{region}/exact": read["plate/acc"], f"{key}/{region}/cer": read["plate/cer"]})
            cells.append(f"{100 * read['plate/acc']:.1f} % / {read['plate/cer']:.3f}")
        rows.append((label, key, cells))
    box_lines, speed_cells = [], {}
    for region in REGIONS:
        crops, texts = held_out_crops(region)
        scores = char_box_scores(args.classifier, learned_segmenter(args.char_detector, args.threads), crops, texts)
        metrics.update({f"char_boxes/{region}/{k}": v for k, v in scores.items()})
        box_lines.append(f"| {region} | {scores['plates']} | {scores['chars']} | {100 * scores['recall']:.1f} / "
                         f"{100 * scores['precision']:.1f} % |")
        for label, engine in engines.items():
            speed_cells.setdefault(label, []).append(plates_per_s(engine, crops))
    table = ["| reader (held-out, labelled box) | " + " | ".join(f"{r} exact / CER" for r in REGIONS) +
             " | plates/s onnxruntime (" + " / ".join(REGIONS) + ") |", "|---" * (len(REGIONS) + 2) + "|"]
    for label, key, cells in rows:
        speeds = speed_cells[label]
        metrics.update({f"{key}/{region}/plates_per_s": s for region, s in zip(REGIONS, speeds)})
        table.append(f"| {label} | " + " | ".join(cells) + " | " + " / ".join(f"{s:.0f}" for s in speeds) + " |")
    boxes = ["| region | plates read exactly by contours + CNN | their characters | detector recall / precision at IoU "
             "0.5 |", "|---|---|---|---|", *box_lines]
    print("\n".join(table + [""] + boxes))
    write_metrics(out, metrics)
    if args.results:
        append_run(args.results, "Held-out photos; character boxes derived as the docstring says.",
                   [*table, "", *boxes])


if __name__ == "__main__":
    main()
