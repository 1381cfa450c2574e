"""Feed the CLIs every kind of bad input and record what they answer (issue 7's battery, as a table).

    python experiments/bad_input_battery.py --ckpt CKPT --crnn CKPT [--seed-chars DIR]

Each case builds its bad input in a temporary folder, runs the real CLI, and keeps the exit code, the
`error:` lines (or Hydra's message, or the `status` of a photo that gave no plate) and the seconds from the command
to its answer. Prints the table and adds it at the end of experiments/RESULTS.md's benchmark runs.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from lpr.core.config import shared_data_dir

from results_md import RUNS_HEADING, write_results_section


def answer(process: subprocess.CompletedProcess) -> str:
    """The lines a user reads: lpr's `error:` lines, the why of photos read without a plate, else stderr's last."""
    lines = [line for line in process.stderr.splitlines() if line.startswith(("error: ", "stopped by"))]
    if not lines and process.returncode == 0:
        unread = [line.split("\t")[2] for line in process.stdout.splitlines() if line.count("\t") == 2]
        return "; ".join(f"row: {why}" for why in unread) or "(read like any other image)"
    if not lines:  # Hydra's own message: its first lines say what is wrong
        lines = [line.strip() for line in process.stderr.splitlines() if line.strip()][:2]
    return "<br>".join(line.replace("|", "\\|") for line in lines[:3]) or "(read without complaint)"


def char_tree(seed_chars: Path, root: Path) -> Path:
    """A small real ImageFolder root (3 classes) to break in different ways."""
    for split in ("train", "val"):
        for char in "7BZ":
            target = root / split / f"class_{char}"
            target.mkdir(parents=True)
            for path in sorted((seed_chars / split / f"class_{char}").glob("*.jpg"))[:3]:
                shutil.copy(path, target)
    return root


def plate_folder(seed_chars: Path, root: Path, name: str, write) -> Path:
    """A labels.csv folder with one good plate crop and one bad file made by `write(path)`."""
    folder = root / name
    folder.mkdir(parents=True)
    good = next((seed_chars / "val" / "class_A").glob("*.jpg"))
    shutil.copy(good, folder / "good.jpg")
    write(folder / "bad.png")
    (folder / "labels.csv").write_text("image,text\ngood.jpg,A\nbad.png,B\n")
    return folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", required=True, help="a character checkpoint (for eval and read)")
    parser.add_argument("--crnn", required=True, help="a whole-plate checkpoint (read photos with locate=auto)")
    parser.add_argument("--seed-chars", type=Path, default=shared_data_dir() / "seed-chars")
    args = parser.parse_args()
    sample = next((args.seed_chars / "val" / "class_A").glob("*.jpg"))
    gray = cv2.imread(str(sample), cv2.IMREAD_GRAYSCALE)
    work = Path(tempfile.mkdtemp())
    photos = work / "photos"  # photos without a plate: what a user's camera roll also holds
    photos.mkdir()
    rng = np.random.default_rng(0)
    cv2.imwrite(str(photos / "dot.png"), np.zeros((1, 1, 3), np.uint8))
    cv2.imwrite(str(photos / "black.png"), np.zeros((480, 640, 3), np.uint8))
    cv2.imwrite(str(photos / "texture.jpg"), cv2.GaussianBlur(rng.integers(0, 255, (480, 640, 3), np.uint8), (0, 0), 3))
    cv2.imwrite(str(photos / "large.jpg"), cv2.resize(cv2.imread(str(sample)), (6000, 4500)))

    def broken_tree(name, damage):
        root = char_tree(args.seed_chars, work / name)
        damage(root)
        return root

    read_cases = {
        "0-byte image": lambda p: p.write_bytes(b""),
        "truncated JPEG": lambda p: p.with_suffix(".png").write_bytes(sample.read_bytes()[:300]),
        "text file named .png": lambda p: p.write_text("not an image"),
        "16-bit PNG": lambda p: cv2.imwrite(str(p), gray.astype(np.uint16) * 257),
        "4-channel PNG": lambda p: cv2.imwrite(str(p), cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA)),
        "grayscale PNG": lambda p: cv2.imwrite(str(p), gray),
        "10000x10000 image": lambda p: cv2.imwrite(str(p), np.full((10000, 10000), 200, np.uint8)),
    }
    cases = [(f"{name} (lpr.read, in a labels.csv folder)", "lpr.read",
              [f"ckpt_path={args.ckpt}", f"input={plate_folder(args.seed_chars, work, name.replace(' ', '_'), make)}",
               "locate=none"]) for name, make in read_cases.items()]
    cases += [
        ("empty class folder (lpr.train)", "lpr.train",
         ["data=chars", f"data.root={broken_tree('empty', lambda r: (r / 'train' / 'class_Q').mkdir())}"]),
        ("class folder outside 0-9A-Z (lpr.train)", "lpr.train",
         ["data=chars", f"data.root={broken_tree('outside', lambda r: shutil.copytree(r / 'train' / 'class_7', r / 'train' / 'class_ä'))}"]),
        ("dataset root with only train/ (lpr.train)", "lpr.train",
         ["data=chars", f"data.root={broken_tree('only_train', lambda r: shutil.rmtree(r / 'val'))}"]),
        ("unreadable image in the training set (lpr.train)", "lpr.train",
         ["data=chars", f"data.root={broken_tree('unreadable', lambda r: (r / 'train' / 'class_7' / 'x.jpg').write_bytes(b'junk'))}"]),
        ("labels.csv with missing columns (lpr.read)", "lpr.read",
         [f"ckpt_path={args.ckpt}", "locate=none",
          f"input={plate_folder(args.seed_chars, work, 'columns', lambda p: None)}"]),
        ("labels.csv naming unknown images (lpr.read)", "lpr.read",
         [f"ckpt_path={args.ckpt}", "locate=none",
          f"input={plate_folder(args.seed_chars, work, 'unknown', lambda p: None)}"]),
        ("corrupt checkpoint (lpr.eval)", "lpr.eval", [f"ckpt_path={work / 'corrupt.ckpt'}", f"data.root={args.seed_chars}"]),
        ("missing checkpoint (lpr.read)", "lpr.read", [f"ckpt_path={work / 'none.ckpt'}", f"input={args.seed_chars}"]),
        ("unknown config key (lpr.train)", "lpr.train", ["data.bogus=1"]),
        ("config value of the wrong type (lpr.train)", "lpr.train", ["data.batch_size=abc"]),
        ("trainer.max_epochs=abc (lpr.train)", "lpr.train", ["trainer.max_epochs=abc"]),
        ("resume from a text file (lpr.train)", "lpr.train", [f"ckpt_path={work / 'notes.ckpt'}"]),
        ("resume with another model= (lpr.train)", "lpr.train", [f"ckpt_path={args.ckpt}", "model=resnet",
                                                                 f"data.root={args.seed_chars}", "data=chars"]),
        ("missing checkpoint to resume (lpr.train)", "lpr.train", [f"ckpt_path={work / 'none.ckpt'}"]),
        ("data.batch_size=-1 (lpr.eval)", "lpr.eval", [f"ckpt_path={args.ckpt}", f"data.root={args.seed_chars}",
                                                      "data.batch_size=-1"]),
        ("missing checkpoint (lpr.eval)", "lpr.eval", [f"ckpt_path={work / 'none.ckpt'}", f"data.root={args.seed_chars}"]),
        ("no ckpt_path (lpr.read)", "lpr.read", [f"input={args.seed_chars}"]),
        ("batch_plates=-1 (lpr.read)", "lpr.read", [f"ckpt_path={args.crnn}", f"input={photos}", "batch_plates=-1"]),
        ("missing ONNX model (lpr.read ckpt_path=MODEL.onnx)", "lpr.read", [f"ckpt_path={work / 'none.onnx'}",
                                                                  f"input={photos}"]),
        ("photos without a plate, 1x1, all black, 6000x4500 (lpr.read locate=auto)", "lpr.read",
         [f"ckpt_path={args.crnn}", f"input={photos}", "locate=auto"]),
        ("a 20000x20000 PNG (lpr.read)", "lpr.read", [f"ckpt_path={args.crnn}", f"input={work / 'huge.png'}"]),
        ("unquoted path with an accent and parentheses (lpr.read)", "lpr.read",
         [f"ckpt_path={args.crnn}", f"input={work}/é (1).jpg"]),
        ("missing detector (lpr.detect)", "lpr.detect", [f"detector={work / 'none.ckpt'}", f"input={photos}"]),
        ("export to a folder under a file (lpr.export)", "lpr.export", [f"ckpt_path={args.crnn}",
                                                                        f"output={work / 'notes.ckpt' / 'x.onnx'}"]),
        *[(f"run folder under a file ({module})", module, [f"hydra.run.dir={work / 'notes.ckpt' / 'run'}"])
          for module in ("lpr.train", "lpr.eval", "lpr.read", "lpr.export", "lpr.detect")],
        *[(f"unknown group option ({module})", module, ["model=nosuch"])
          for module in ("lpr.train", "lpr.eval", "lpr.read", "lpr.export", "lpr.detect")],
    ]
    (work / "notes.ckpt").write_text("not a checkpoint")
    cv2.imwrite(str(work / "huge.png"), np.zeros((20000, 20000), np.uint8))
    (work / "corrupt.ckpt").write_bytes(b"\x80\x02 not a checkpoint")
    (work / "columns" / "labels.csv").write_text("file,plate\ngood.jpg,A\n")
    rows = []
    for number, (name, module, overrides) in enumerate(cases):
        run_dir = [] if any(o.startswith("hydra.run.dir=") for o in overrides) else [
            f"hydra.run.dir={work / 'runs' / str(number)}"]
        started = time.perf_counter()
        process = subprocess.run([sys.executable, "-m", module, *overrides, *run_dir,
                                  *(["callbacks.rich_progress_bar=null"] if module == "lpr.train" else []),
                                  *(["trainer.max_epochs=1"] if module == "lpr.train" and not any(
                                      o.startswith("trainer.max_epochs") for o in overrides) else [])],
                                 capture_output=True, text=True, timeout=600)
        seconds = time.perf_counter() - started
        traceback = "Traceback" in process.stderr
        rows.append(f"| {name} | {process.returncode} | {'yes' if traceback else 'no'} | {seconds:.1f} | "
                    f"{answer(process)} |")
        print(rows[-1], flush=True)
    body = "\n".join([
        f"### {time.strftime('%Y-%m-%d %H:%M')} `experiments/bad_input_battery.py`", "",
        f"Command: `.venv/bin/python experiments/bad_input_battery.py --ckpt {args.ckpt} --crnn {args.crnn}` "
        "(2-core x86_64 CPU).",
        "Exit code 2 is lpr's clean refusal; 0 means the rest of the batch was read and the bad file reported, or",
        "a photo's row says why it gave no plate. Seconds: from the command to its answer, imports included.", "",
        "| bad input | exit | traceback | s | what lpr answered |", "|---|---|---|---|---|", *rows])
    write_results_section(Path(__file__).parent / "RESULTS.md", RUNS_HEADING, body, append=True)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
