"""Evaluate a character checkpoint on an ImageFolder root: `python -m lpr.eval ckpt_path=CKPT data.root=DIR [subset=val]`.

Uses DIR's `subset` folder (val by default), or DIR itself when it holds class folders. Writes
metrics.json (`eval/acc`, `eval/loss`, `n`, and the folder as `data`: a val folder is not reported as a test) and
confusion_matrix.png in the run dir, and the same figure to TensorBoard.
"""
from pathlib import Path

from omegaconf import DictConfig
from pydantic import NonNegativeInt, PositiveInt, validate_call

from lpr.cli.command import command
from lpr.cli.run_files import write_metrics, write_provenance
from lpr.core.config import instantiate, instantiate_group
from lpr.core.errors import LprError


@validate_call  # data.batch_size=-1 is a config error, not a traceback
def loader_settings(batch_size: PositiveInt, num_workers: NonNegativeInt) -> dict:
    return {"batch_size": batch_size, "num_workers": num_workers}


def evaluate(cfg: DictConfig) -> dict:
    """Cheap checks first (the checkpoint is there, the loader's settings), then torch and Lightning."""
    run_dir = Path(cfg.paths.output_dir)
    if not Path(cfg.ckpt_path).exists():
        raise LprError(f"{cfg.ckpt_path}: checkpoint not found")
    settings = loader_settings(batch_size=cfg.data.batch_size, num_workers=cfg.data.num_workers)
    import lightning as L
    from torch.utils.data import DataLoader

    from lpr.data.chars import AlphabetImageFolder, CharTransform, split_dir
    from lpr.training.checkpoint import load_trained

    model = load_trained(cfg.ckpt_path, kind="classifier")
    model.hparams.log_confusion = True
    folder = split_dir(cfg.data.root, cfg.subset)
    dataset = AlphabetImageFolder(folder, CharTransform(model.input_size), cfg.data.check_images)
    loader = DataLoader(dataset, **settings)
    trainer = instantiate(cfg.trainer, logger=instantiate_group(cfg.get("logger")), callbacks=[])
    write_provenance(run_dir, cfg)
    L.seed_everything(cfg.seed)
    # Lightning's test loop runs the evaluation, so the module logs test/ keys: the folder evaluated is `data`
    tested = trainer.test(model, dataloaders=loader)[0]
    results = {key.replace("test/", "eval/", 1): value for key, value in tested.items()}
    metrics = {**results, "n": len(dataset), "data": str(folder), "ckpt_path": str(cfg.ckpt_path)}
    model.last_confusion_figure.savefig(run_dir / "confusion_matrix.png", dpi=80, bbox_inches="tight")
    write_metrics(run_dir, metrics)
    print(f"eval/acc: {results['eval/acc']:.4f} on {len(dataset)} images of {folder}")
    print(f"Run: {run_dir}  (metrics.json, confusion_matrix.png)")
    return metrics


def eval_task(cfg: DictConfig) -> float:
    return evaluate(cfg)["eval/acc"]


main = command(eval_task, "eval")
