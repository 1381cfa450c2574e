"""Choose between plate runs on val: `python -m lpr.val 'ckpts=[CKPT_A,CKPT_B,[CKPT_A,CKPT_B]]'`.

Each entry (a checkpoint, or a list of them read as one ensemble) reads its own val share of every region's
photos, as `lpr.read subset=val` would; the held-out share is never looked at. Prints a Markdown table of the
plates read exactly per region and in all, and writes them to metrics.json as flat keys
(`<entry>:val/<region>/plate_acc`, `<entry>:val/plate_acc`, `..._n`).
"""
import sys
from pathlib import Path

from omegaconf import DictConfig

from lpr.cli.command import command
from lpr.cli.run_files import write_metrics, write_provenance
from lpr.core.config import instantiate
from lpr.core.errors import LprError
from lpr.core.plate_metrics import exact_matches
from lpr.reading.assemble import as_list, build_reader
from lpr.reading.subset import select_samples


def val_counts(cfg: DictConfig, ckpt_paths: list[str]) -> dict[str, tuple[int, int]]:
    """(plates read exactly, plates) of each region's val share, and of all of them, for one reader."""
    reader, split = build_reader(cfg, ckpt_paths), instantiate(cfg.split)
    counts = {}
    for region, folder in cfg.inputs.items():
        samples, problems = select_samples(folder, subset="val", split=split, ckpt_paths=ckpt_paths)
        results = reader.read(samples, batch_plates=cfg.batch_plates, problems=problems)
        if problems:
            raise LprError(f"{problems[0]} ({len(problems)} problem(s) in {folder})")
        counts[region] = (sum(exact_matches([r.text for r in results], [r.sample.text for r in results])),
                          len(results))
    counts["all"] = tuple(sum(count[i] for count in counts.values()) for i in (0, 1))
    return counts


def val(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    write_provenance(run_dir, cfg)
    figures = {}
    print("| checkpoint | " + " | ".join(cfg.inputs) + " | all |\n|---|" + "---|" * (len(cfg.inputs) + 1))
    for entry in cfg.ckpts:
        ckpt_paths = as_list(entry)
        name = ckpt_paths[0] if len(ckpt_paths) == 1 else "[" + ",".join(ckpt_paths) + "]"
        counts = val_counts(cfg, ckpt_paths)
        for where, (right, total) in counts.items():
            key = f"{name}:val/plate_acc" if where == "all" else f"{name}:val/{where}/plate_acc"
            figures[key], figures[f"{key}_n"] = right / max(1, total), total
        cells = [f"{right}/{total}" for right, total in counts.values()]
        cells[-1] = f"**{cells[-1]}** ({100 * figures[f'{name}:val/plate_acc']:.1f} %)"
        print(f"| `{name}` | " + " | ".join(cells) + " |", flush=True)
    write_metrics(run_dir, figures)
    print(f"Run: {run_dir}  (metrics.json)", file=sys.stderr)
    return figures


main = command(val, "val")
