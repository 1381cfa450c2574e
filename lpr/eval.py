"""Evaluate a character checkpoint on an ImageFolder root: `python -m lpr.eval ckpt_path=CKPT data.root=DIR`.

Uses DIR's `split` folder (val by default), or DIR itself when it holds class folders. Writes
metrics.json (`test/acc`, `test/loss`, `n`) and confusion_matrix.png in the run dir, and the same
figure to TensorBoard.
"""
from pathlib import Path

import hydra
import lightning as L
from omegaconf import DictConfig
from torch.utils.data import DataLoader

from lpr.checkpoint import load_classifier
from lpr.config import instantiate, instantiate_group
from lpr.data import AlphabetImageFolder, CharTransform, split_dir
from lpr.errors import exit_on_lpr_error
from lpr.run_files import write_metrics, write_provenance


def evaluate(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    model = load_classifier(cfg.ckpt_path)
    model.hparams.log_confusion = True
    folder = split_dir(cfg.data.root, cfg.split)
    dataset = AlphabetImageFolder(folder, CharTransform(model.input_size), cfg.data.check_images)
    loader = DataLoader(dataset, batch_size=cfg.data.batch_size, num_workers=cfg.data.num_workers)
    trainer = instantiate(cfg.trainer, logger=instantiate_group(cfg.get("logger")), callbacks=[])
    write_provenance(run_dir, cfg)
    L.seed_everything(cfg.seed)
    results = trainer.test(model, dataloaders=loader)[0]
    metrics = {**results, "n": len(dataset), "data": str(folder), "ckpt_path": str(cfg.ckpt_path)}
    model.last_confusion_figure.savefig(run_dir / "confusion_matrix.png", dpi=80, bbox_inches="tight")
    write_metrics(run_dir, metrics)
    print(f"test/acc: {results['test/acc']:.4f} on {len(dataset)} images of {folder}")
    print(f"Run: {run_dir}  (metrics.json, confusion_matrix.png)")
    return metrics


@hydra.main(version_base="1.3", config_path="../configs", config_name="eval")
@exit_on_lpr_error
def main(cfg: DictConfig) -> float:
    return evaluate(cfg)["test/acc"]


if __name__ == "__main__":
    main()
