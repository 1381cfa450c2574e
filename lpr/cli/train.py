"""Train a character classifier: `python -m lpr.train experiment=baseline` (Hydra; `-m` for sweeps).

Composes the config, builds datamodule, model, callbacks, loggers and trainer from it, fits, tests the
best checkpoint, writes metrics.json, and returns the optimized metric for Hydra sweepers.

A run stopped by SIGTERM (a scheduler, `timeout`) or Ctrl-C saves checkpoints/last.ckpt after its current batch and
says how to resume; `ckpt_path=<run dir>` resumes it in the same folder with the same overrides (its TensorBoard,
metrics.json and best-model tracking continue).

torch and Lightning are imported once the cheap checks have passed (the trainer's budget, the checkpoints named):
a typo is answered in a second, not after the seconds those imports take.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from omegaconf import DictConfig, OmegaConf
from pydantic import AfterValidator, Field, validate_call

from lpr.cli.command import command, quoted
from lpr.cli.run_files import run_folder_held, write_metrics, write_provenance
from lpr.core.config import instantiate, instantiate_group
from lpr.core.errors import LprError, missing_value

if TYPE_CHECKING:
    import lightning as L

log = logging.getLogger(__name__)


def override_key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def resume_in_place(argv: list[str]) -> list[str]:
    """The command line of a resumed run: `ckpt_path=` naming a run dir (or a checkpoint in it) continues that run
    in its own folder, with the overrides it was started with; overrides given now win. A sweep (-m), an explicit
    hydra.run.dir, or a checkpoint from outside a run dir keep the command line as it is."""
    given = {override_key(arg): arg for arg in argv if "=" in arg and not arg.startswith("-")}
    if "ckpt_path" not in given or "hydra.run.dir" in given or {"-m", "--multirun"} & set(argv):
        return argv
    path = Path(given["ckpt_path"].split("=", 1)[1].strip("'\""))
    run_dir = path if path.is_dir() else path.parent.parent
    overrides = run_dir / ".hydra" / "overrides.yaml"
    if not overrides.is_file():
        return argv
    started_with = [str(o) for o in OmegaConf.load(overrides)
                    if override_key(str(o)) not in {*given, "ckpt_path", "hydra.run.dir"}]
    return [*started_with, *argv, f"hydra.run.dir={quoted(str(run_dir.resolve()))}"]


def resume_path(cfg: DictConfig) -> str | None:
    """`ckpt_path`: a checkpoint file, a run dir (its last.ckpt), or `last` (this run dir's last.ckpt)."""
    if cfg.ckpt_path is None:
        return None
    path = Path(cfg.paths.output_dir if cfg.ckpt_path == "last" else cfg.ckpt_path)
    if path.is_dir():
        path = path / "checkpoints" / "last.ckpt"
    if not path.is_file():
        raise LprError(f"{path}: checkpoint to resume from not found")
    return str(path)


def hyperparameters(cfg: DictConfig, model: L.LightningModule) -> dict:
    """What TensorBoard's HPARAMS view compares: the choices that make a run, not where it ran."""
    params = OmegaConf.to_container(cfg, resolve=True)
    for key in ("paths", "hydra", "callbacks", "logger"):
        params.pop(key, None)
    params["model/params"] = sum(p.numel() for p in model.parameters())
    return params


def some_or_unlimited(budget: int | None) -> int | None:
    """-1 (or null) leaves a budget to the others; 0 would train nothing and still report an untrained model."""
    if budget is not None and budget != -1 and budget < 1:
        raise ValueError("must be -1 (no limit) or at least 1: 0 trains nothing")
    return budget


Budget = Annotated[int | None, AfterValidator(some_or_unlimited)]


@validate_call
def trainer_budget(max_epochs: Budget = None, min_epochs: int | None = None, max_steps: Budget = -1,
                   min_steps: int | None = None) -> None:
    """The trainer's budget, checked before any data is prepared: Lightning checks it only when fitting begins."""


@validate_call
def learning_rate(lr: Annotated[float, Field(gt=0, allow_inf_nan=False)]) -> None:
    """The optimizer's learning rate, checked before any data is prepared: the optimizer refuses it only once built."""


def train(cfg: DictConfig) -> dict:
    """The cheap checks first (a typo is answered in a second), then the run folder taken, then the fit."""
    run_dir = Path(cfg.paths.output_dir)
    # an experiment's `???` named before instantiation, where a list built from it would lose its name
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise missing_value(missing[0])
    trainer_budget(**{key: cfg.trainer[key] for key in ("max_epochs", "min_epochs", "max_steps", "min_steps")
                      if key in cfg.trainer})
    if "lr" in cfg.model.get("optimizer", {}):
        learning_rate(lr=cfg.model.optimizer.lr)
    if cfg.get("init_from") and not Path(cfg.init_from).exists():
        raise LprError(f"{cfg.init_from}: checkpoint to start from not found")
    resume = resume_path(cfg)  # so is a checkpoint to resume from that is missing
    # the run folder is this run's alone (DDP's other ranks, started by this one, share it)
    with run_folder_held(run_dir) if os.environ.get("LOCAL_RANK", "0") == "0" else contextlib.nullcontext():
        return fit(cfg, run_dir, resume)


def fit(cfg: DictConfig, run_dir: Path, resume: str | None) -> dict:
    """Data, model, callbacks, loggers and trainer from the config; fit (or resume), test the best checkpoint, write
    metrics.json."""
    import lightning as L
    import torch
    from lightning.pytorch.trainer.states import TrainerStatus
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    from lpr.models.checkpoint import load_checkpoint, load_weights

    torch.set_float32_matmul_precision("high")
    L.seed_everything(cfg.seed, workers=True)
    # A fine-tune starts from another run's weights (fresh optimizer and schedule); read first, so a bad path
    # fails before any data is prepared.
    init_checkpoint = load_checkpoint(cfg.init_from) if cfg.get("init_from") else None
    resume_checkpoint = load_checkpoint(resume) if resume else None
    datamodule = instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")  # refuse a broken dataset before anything trains
    model = instantiate(cfg.model)
    if init_checkpoint is not None:
        load_weights(model, init_checkpoint, cfg.init_from)
        log.info("Starting from the weights of %s", cfg.init_from)
    if resume_checkpoint is not None:  # weights of another model= are one line here, not Lightning's traceback
        load_weights(model, resume_checkpoint, resume)
    callbacks = instantiate_group(cfg.get("callbacks"))
    loggers = instantiate_group(cfg.get("logger"))
    trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers)
    if trainer.is_global_zero:
        write_provenance(run_dir, cfg)
    for logger in loggers:
        logger.log_hyperparams(hyperparameters(cfg, model), metrics={cfg.optimized_metric: 0.0})

    started = time.perf_counter()
    try:
        trainer.fit(model, datamodule=datamodule, ckpt_path=resume, weights_only=False)
    except SystemExit as stop:  # Lightning's stop after SIGTERM (SIGTERMException) or Ctrl-C
        if trainer.state.status != TrainerStatus.INTERRUPTED:
            raise
        stopped(run_dir, trainer, isinstance(stop, SIGTERMException))
    if resume_checkpoint is not None and trainer.global_step == resume_checkpoint["global_step"]:
        return finished_already(run_dir, resume, trainer.global_step)
    train_time_s = time.perf_counter() - started
    metrics = {key: value for key, value in trainer.callback_metrics.items() if not key.startswith("test/")}

    best_ckpt = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
    if cfg.test and datamodule.has_test:
        # lpr checkpoints hold the net's class in their hyperparameters, so they are not weights-only.
        trainer.test(model, datamodule=datamodule, ckpt_path=best_ckpt or None, weights_only=False)
        metrics.update({k: v for k, v in trainer.callback_metrics.items() if k.startswith("test/")})
    metrics.update({"epochs": trainer.current_epoch, "train_time_s": round(train_time_s, 2),
                    "model/params": sum(p.numel() for p in model.parameters()), "best_ckpt": best_ckpt})
    if trainer.is_global_zero:
        write_metrics(run_dir, metrics)
        report(run_dir, best_ckpt, metrics, cfg.optimized_metric)
    return metrics


def finished_already(run_dir: Path, resume: str, step: int) -> dict:
    """A resumed run whose budget was spent before: one line, and its files as they were (no test run again, no
    metrics.json rewritten without its training's figures)."""
    print(f"{resume}: the run finished at step {step}, its budget; raise trainer.max_epochs or trainer.max_steps "
          f"to train on", file=sys.stderr)
    metrics = run_dir / "metrics.json"
    return json.loads(metrics.read_text()) if metrics.is_file() else {}


def stopped(run_dir: Path, trainer: L.Trainer, sigterm: bool):
    """One line on what a stopped run kept and how to resume it; the exit code a shell gives such a stop."""
    last = run_dir / "checkpoints" / "last.ckpt"
    kept = (f"{last} holds step {trainer.global_step}; resume: python -m lpr.train ckpt_path={run_dir}"
            if last.is_file() else "no step was finished: nothing to resume")
    print(f"stopped by {'SIGTERM' if sigterm else 'Ctrl-C'} in epoch {trainer.current_epoch}: {kept}",
          file=sys.stderr)
    raise SystemExit(143 if sigterm else 130)


def report(run_dir: Path, best_ckpt: str, metrics: dict, optimized_metric: str):
    value = metrics.get(optimized_metric)
    print(f"\n{optimized_metric}: {float(value):.4f}" if value is not None else "")
    print(f"Run:         {run_dir}")
    print(f"Checkpoint:  {best_ckpt}")
    print(f"Metrics:     {run_dir / 'metrics.json'}")
    print(f"TensorBoard: tensorboard --logdir {run_dir / 'tensorboard'}   (all runs: --logdir logs/)")


def train_task(cfg: DictConfig) -> float | None:
    metrics = train(cfg)
    value = metrics.get(cfg.optimized_metric)
    return float(value) if value is not None else None


main = command(train_task, "train", resume_in_place)
