"""Check and describe a dataset before training on it: `lpr data validate DIR` and `lpr data stats DIR`.

validate prints one line a problem (unreadable images, unknown characters or classes, empty texts, the same image
twice, boxes outside their image, the same plate in two shares) and a summary; it exits 0 when it finds none, 1
when it does, 2 when DIR is no dataset. stats prints counts by share, label lengths, character frequencies, image
sizes and boxes, and writes them as a PNG and a JSON (flat keys) under --out.
"""
import argparse
import json
from pathlib import Path

from omegaconf import OmegaConf

from lpr.cli.run_files import write_json_atomic
from lpr.core.config import CONFIG_DIR, PROJECT_DIR, instantiate
from lpr.core.errors import exit_on_lpr_error
from lpr.data.audit import image_sizes, load_dataset, plot, statistics, validate


def photo_split():
    """The split lpr's trainings draw a dataset without split folders by (configs/split/default.yaml)."""
    return instantiate(OmegaConf.load(CONFIG_DIR / "split" / "default.yaml"))


@exit_on_lpr_error
def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(prog="lpr data", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    check = verbs.add_parser("validate", help="one line a problem of a dataset, and a summary")
    describe = verbs.add_parser("stats", help="counts, label lengths, characters, image sizes; a PNG and a JSON")
    for sub in (check, describe):
        sub.add_argument("dataset", type=Path, help="an ImageFolder, labels.csv, fast-plate-ocr CSV, OpenALPR or "
                                                    "boxes.csv folder (or one with train/ val/ test/ of them)")
    check.add_argument("--threads", type=int, default=2)
    describe.add_argument("--out", type=Path, help="folder for NAME-stats.png and .json (default: logs/data/)")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.dataset, photo_split())
    if args.verb == "validate":
        problems = validate(dataset, args.threads)
        for problem in problems:
            print(problem)
        print(f"{args.dataset}: {dataset.kind}, {len(dataset.entries)} images: "
              f"{len(problems) or 'no'} problem{'s' * (len(problems) != 1)}")
        raise SystemExit(1 if problems else 0)
    sizes = image_sizes(dataset)
    stats = statistics(dataset, sizes)
    out = args.out or PROJECT_DIR / "logs" / "data"
    out.mkdir(parents=True, exist_ok=True)
    name = args.dataset.resolve().name
    write_json_atomic(out / f"{name}-stats.json", stats)
    plot(dataset, stats, sizes, out / f"{name}-stats.png")
    print(json.dumps(stats, indent=1))
    print(f"Wrote {out / f'{name}-stats.png'} and {name}-stats.json")


if __name__ == "__main__":
    main()
