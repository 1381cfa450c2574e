"""Feed the CLIs every kind of bad input and record what they answer (issue 7's battery, as a table).

    python experiments/bad_input_battery.py --ckpt CKPT [--seed-chars DIR]

Each case builds its bad input in a temporary folder, runs the real CLI, and keeps the exit code and the
`error:` lines (or Hydra's message). Prints the table and adds it at the end of experiments/RESULTS.md's
benchmark runs.
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
    """The lines a user reads: lpr's `error:` lines, else the last line of stderr."""
    lines = [line for line in process.stderr.splitlines() if line.startswith("error: ")]
    if not lines and process.returncode == 0:
        return "(read like any other image)"
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
    parser.add_argument("--seed-chars", type=Path, default=shared_data_dir() / "seed-chars")
    args = parser.parse_args()
    sample = next((args.seed_chars / "val" / "class_A").glob("*.jpg"))
    gray = cv2.imread(str(sample), cv2.IMREAD_GRAYSCALE)
    work = Path(tempfile.mkdtemp())

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
    ]
    (work / "corrupt.ckpt").write_bytes(b"\x80\x02 not a checkpoint")
    (work / "columns" / "labels.csv").write_text("file,plate\ngood.jpg,A\n")
    rows = []
    for number, (name, module, overrides) in enumerate(cases):
        process = subprocess.run([sys.executable, "-m", module, *overrides, f"hydra.run.dir={work / 'runs' / str(number)}",
                                  *(["callbacks.rich_progress_bar=null", "trainer.max_epochs=1"] if module == "lpr.train"
                                    else [])], capture_output=True, text=True, timeout=600)
        traceback = "Traceback" in process.stderr
        rows.append(f"| {name} | {process.returncode} | {'yes' if traceback else 'no'} | {answer(process)} |")
        print(rows[-1], flush=True)
    body = "\n".join([
        f"### {time.strftime('%Y-%m-%d %H:%M')} `experiments/bad_input_battery.py`", "",
        f"Command: `.venv/bin/python experiments/bad_input_battery.py --ckpt {args.ckpt}` (2-core x86_64 CPU).",
        "Exit code 2 is lpr's clean refusal; 0 means the rest of the batch was read and the bad file reported;",
        "Hydra's own config errors exit 1 with its message.", "",
        "| bad input | exit | traceback | what lpr answered |", "|---|---|---|---|", *rows])
    write_results_section(Path(__file__).parent / "RESULTS.md", RUNS_HEADING, body, append=True)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
