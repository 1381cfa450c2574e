"""RapidOCR's own pipeline (its PP-OCRv6 text detector, angle classifier and recognizer) as a peer, from the photo.

    .venv/bin/python experiments/rapidocr_peer.py [--subset holdout|development] [--out logs/bench/rapidocr_peer]
        [--results experiments/RESULTS.md | --no-results]

Every photo of `subset` of the sources experiments/recognizer_table.py reads is given whole to RapidOCR; of the
text lines it finds whose centre lies in a labelled plate's box (grown by a fifth of its size), the most confident
one of 4 to 10 characters of 0-9A-Z (separators dropped, upper-cased) holding a digit is its reading of that plate.
Prints exact-plate accuracy per source, writes OUT/metrics.json and appends the table to RESULTS.md.
"""
import argparse
import re
import time

import numpy as np
from hydra import compose, initialize_config_dir

from lpr.cli.run_files import write_metrics
from lpr.core.config import CONFIG_DIR, instantiate, shared_data_dir
from lpr.data.samples import load_plate_samples

from recognizer_table import SOURCES
from results_md import append_run, output_arguments


def plate_text(line: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", line.upper())


def reading(result, box: tuple[int, int, int, int]) -> str:
    """RapidOCR's most confident plate-like line whose centre lies in the grown box."""
    x, y, w, h = box
    x0, y0, x1, y1 = x - w / 5, y - h / 5, x + w * 6 / 5, y + h * 6 / 5
    best, best_score = "", -1.0
    for line, score, corners in zip(result.txts or (), result.scores or (), result.boxes if result.boxes is not None
                                    else ()):
        cx, cy = np.asarray(corners).mean(axis=0)
        text = plate_text(line)
        if x0 <= cx <= x1 and y0 <= cy <= y1 and 4 <= len(text) <= 10 and re.search(r"\d", text) \
                and score > best_score:
            best, best_score = text, score
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", choices=("holdout", "development"), default="holdout")
    output_arguments(parser, "rapidocr_peer")
    args = parser.parse_args()
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"Global.log_level": "error"})
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        split = instantiate(compose("read", overrides=["ckpt_path=x", "input=x"]).split)
    scores, started, photos = {}, time.perf_counter(), 0
    for source, folder in SOURCES.items():
        plates = [s for s in load_plate_samples(shared_data_dir() / folder)[0]
                  if split.held_out(s.name) == (args.subset == "holdout")]
        results = {}
        for plate in plates:
            if plate.image_path not in results:
                results[plate.image_path] = engine(str(plate.image_path))
        photos += len(results)
        right = [reading(results[p.image_path], p.box) == p.text for p in plates]
        scores[f"{source}/exact"], scores[f"{source}/n"] = float(np.mean(right)), len(right)
        print(f"{source}: {100 * scores[f'{source}/exact']:.1f} % of {len(right)}", flush=True)
    scores["photos_per_s"] = photos / (time.perf_counter() - started)
    lines = ["| peer | " + " | ".join(f"{s} ({scores[f'{s}/n']})" for s in SOURCES) + " | photos/s |",
             "|---" * (len(SOURCES) + 2) + "|",
             "| RapidOCR 3.10 (det + cls + rec, PP-OCRv6) | " + " | ".join(
                 f"{100 * scores[f'{s}/exact']:.1f} %" for s in SOURCES) + f" | {scores['photos_per_s']:.1f} |"]
    print("\n".join(lines))
    args.out.mkdir(parents=True, exist_ok=True)
    write_metrics(args.out, scores)
    if args.results:
        append_run(args.results, f"From the photo, {args.subset} share, exact plate: RapidOCR's most confident "
                   "plate-like line within each labelled plate's box (grown by a fifth).", lines)


if __name__ == "__main__":
    main()
