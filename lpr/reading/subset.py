"""Which labelled photos a read covers: all, the held-out share, everything outside it, or a checkpoint's own train
or val share."""
from pathlib import Path
from typing import Literal

from pydantic import SkipValidation, validate_call

from lpr.core.errors import LprError
from lpr.data.samples import PlateSample, folder_photos, load_plate_samples
from lpr.data.split import PhotoSplit


@validate_call  # refuses a subset it does not know by name
def select_samples(input_path: SkipValidation[str | Path], *,
                   subset: Literal["all", "holdout", "development", "train", "val"],
                   split: SkipValidation[PhotoSplit],
                   ckpt_paths: SkipValidation[list[str] | None],
                   unlabelled: bool = False) -> tuple[list[PlateSample], list[str]]:
    """The input's samples in `subset` (holdout: `split`'s held-out share; development: every other photo, where a
    model trained on no real photo is chosen; train, val: the share the checkpoints trained with, which only torch
    checkpoints record) and the problem lines of loading them. `unlabelled`: a folder's every photo, labels or not.
    """
    if unlabelled and Path(input_path).is_dir():
        samples, problems = folder_photos(Path(input_path)), []
    else:
        samples, problems = load_plate_samples(input_path)
    if subset in ("holdout", "development"):
        samples = [s for s in samples if split.held_out(s.name) == (subset == "holdout")]
    elif subset in ("train", "val"):
        if ckpt_paths is None:
            raise LprError(f"subset={subset}: the photo split is kept in the checkpoint; read with ckpt_path")
        trained_with = checkpoint_split(ckpt_paths, subset)
        samples = [s for s in samples if trained_with.of(s.name) == subset]
    return samples, problems


def checkpoint_split(ckpt_paths: list[str], subset: str) -> PhotoSplit:
    """The photo split plate checkpoints trained with, so that runs can be compared on their val share; an
    ensemble's checkpoints must all have trained with the same one."""
    from lpr.models.checkpoint import load_checkpoint

    splits = {}
    for ckpt_path in ckpt_paths:
        data = load_checkpoint(ckpt_path).get("datamodule_hyper_parameters", {})
        if not data.get("roots") or "split_percent" not in data:
            raise LprError(f"{ckpt_path}: subset={subset}: the checkpoint trained on no split real photos")
        percent = dict(data["split_percent"])
        if not percent.get(subset):
            raise LprError(f"{ckpt_path}: subset={subset}: the checkpoint's real photos have no {subset} "
                           f"share (data.split_percent {percent})")
        splits[ckpt_path] = PhotoSplit.from_percent(percent, data["split_salt"], data.get("split_groups", ()))
    first, *others = splits
    for ckpt_path in others:
        if splits[ckpt_path] != splits[first]:
            raise LprError(f"{ckpt_path}: subset={subset}: its photo split {splits[ckpt_path]} differs from "
                           f"{first}'s {splits[first]}")
    return splits[first]
