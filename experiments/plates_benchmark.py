"""Plate reading on the OpenALPR photos: lpr.read with locate=box and locate=auto beside Tesseract 5.

    .venv/bin/python experiments/plates_benchmark.py --ckpt CKPT [--subset holdout|all] [--threads 2]

Runs `python -m lpr.read` per region and mode (its metrics.json gives the figures), Tesseract
(`--psm 7`, A-Z0-9 whitelist) on the same box crops lpr reads with locate=box, and adds the table, under a
dated heading, at the end of experiments/RESULTS.md's benchmark runs (earlier runs stay).
Use `--subset holdout` for a checkpoint of `experiment=plates`: it trained on characters from the other photos.
"""
import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
from hydra import compose, initialize_config_dir

from lpr.core.boxes import crop_box
from lpr.core.config import instantiate, shared_data_dir
from lpr.core.images import read_image
from lpr.core.plate_metrics import plate_metrics
from lpr.data.samples import load_plate_samples
from lpr.data.split import PhotoSplit

from results_md import RUNS_HEADING, write_results_section

REPO = Path(__file__).resolve().parents[1]
REGIONS = ("us", "eu", "br")


def run_read(ckpt: str, folder: Path, locate: str, subset: str, threads: int, run_dir: Path,
             formats: str = "any", extra: list[str] = ()) -> dict:
    command = [sys.executable, "-m", "lpr.read", f"ckpt_path={ckpt}", f"input={folder}", f"locate={locate}",
               f"subset={subset}", f"threads={threads}", f"formats={formats}", f"hydra.run.dir={run_dir}", *extra]
    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if finished.returncode != 0:  # lpr.read ends with its one `error:` line (or a traceback's last line)
        raise SystemExit(f"lpr.read failed on {folder} ({locate}): {finished.stderr.strip().splitlines()[-1]}")
    return json.loads((run_dir / "metrics.json").read_text())


def tesseract(folder: Path, subset: str, split: PhotoSplit, crop_margin) -> dict | None:
    """Tesseract 5 on the box crops lpr reads with locate=box; None when it is not installed."""
    if shutil.which("tesseract") is None:
        return None
    samples, _ = load_plate_samples(folder)
    if subset == "holdout":
        samples = [s for s in samples if split.held_out(s.name)]
    predictions = []
    started = time.perf_counter()
    for sample in samples:
        crop, _ = crop_box(read_image(sample.image_path, color=True), sample.box, crop_margin)
        _, png = cv2.imencode(".png", crop)
        finished = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "7", "-c",
                                   "tessedit_char_whitelist=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"],
                                  input=png.tobytes(), capture_output=True)
        predictions.append(finished.stdout.decode(errors="replace"))
    elapsed = time.perf_counter() - started
    return {**plate_metrics(predictions, [s.text for s in samples]), "plates_per_s": len(samples) / elapsed}


def region_formats(region: str) -> list[tuple[str, str]]:
    """(`formats=` value, table row label): `any`, and the region's own plate formats where configs/formats/ has
    them (a reader told the country)."""
    has_own = (REPO / "configs" / "formats" / f"{region}.yaml").is_file()
    return [("any", region)] + ([(region, f"{region}, formats={region}")] if has_own else [])


def read_defaults() -> tuple[PhotoSplit, tuple[float, float]]:
    """lpr.read's photo split (configs/split/) and its locate=box crop margin."""
    with initialize_config_dir(config_dir=str(REPO / "configs"), version_base="1.3"):
        cfg = compose("read", overrides=["locate=box", "ckpt_path=x", "input=x"])
    return instantiate(cfg.split), tuple(cfg.locate.crop_margin)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--data", default=str(shared_data_dir() / "openalpr-endtoend"))
    parser.add_argument("--subset", default="holdout", choices=["holdout", "all"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--results", default=str(REPO / "experiments" / "RESULTS.md"))
    args = parser.parse_args()
    split, crop_margin = read_defaults()

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for region in REGIONS:
            folder = Path(args.data) / region
            tess = tesseract(folder, args.subset, split, crop_margin)
            for formats, label in region_formats(region):
                box, auto = (run_read(args.ckpt, folder, mode, args.subset, args.threads,
                                      Path(scratch) / f"{region}-{mode}-{formats}", formats)
                             for mode in ("box", "auto"))
                rows.append((label, box, auto, tess if formats == "any" else None))
                print(label, box.get("plate/acc"), auto.get("plate/acc"), tess and tess["plate/acc"], flush=True)

    def pct(metrics, key="plate/acc"):
        return "n/a" if metrics is None or key not in metrics else f"{100 * metrics[key]:.1f} %"

    lines = [f"### {time.strftime('%Y-%m-%d %H:%M')} `experiments/plates_benchmark.py`: {args.ckpt}", "",
             f"Command: `.venv/bin/python experiments/plates_benchmark.py --ckpt {args.ckpt} --subset {args.subset}"
             f" --threads {args.threads}`  ",
             f"Machine: {platform.machine()} CPU, {args.threads} threads ({platform.processor() or 'cpu'}).  ",
             f"Photos: `{args.subset}` subset of openalpr-endtoend (photos whose characters the checkpoint never "
             f"trained on when `holdout`; split in configs/split/default.yaml).", "",
             "| region | n | lpr box: exact | lpr box: CER | lpr box: plates/s | lpr auto: exact | auto: locate recall "
             "| auto: plates/s | Tesseract 5 box: exact | Tesseract CER |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for region, box, auto, tess in rows:
        lines.append(f"| {region} | {box['plate/n']} | {pct(box)} | {box['plate/cer']:.3f} | {box['plates_per_s']:.0f} "
                     f"| {pct(auto)} | {pct(auto, 'locate/recall')} | {auto['plates_per_s']:.1f} | {pct(tess)} "
                     f"| {'n/a' if tess is None else format(tess['plate/cer'], '.3f')} |")
    if rows[0][3] is None:
        lines.append("\nTesseract was not installed (`apt-get install tesseract-ocr`): its columns are empty.")
    if len(rows) > len(REGIONS):
        lines.append("\n`formats=REGION` rows: lpr.read told the region's plate formats (configs/formats/), as "
                     "OpenALPR is told the country.")
    write_results_section(Path(args.results), RUNS_HEADING, "\n".join(lines), append=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
