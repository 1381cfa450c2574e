"""Combine whole-plate checkpoints into one: `python -m lpr.ensemble 'ckpt_paths=[A,B]'`.

The result (checkpoints/ensemble.ckpt in the run dir) is an ordinary crnn checkpoint whose net averages its
members' per-column CTC probabilities (lpr.models.crnn.CrnnEnsemble): lpr.read, lpr.export and lpr.bench take
it as it is. Its members must have trained on the same real-photo split, so that the holdout stays unseen and
`subset=val` still means what each member was chosen on.
"""
import sys
from pathlib import Path

from omegaconf import DictConfig

from lpr.checkpoint import AtomicCheckpointIO, load_checkpoint
from lpr.config import command
from lpr.errors import LprError
from lpr.models.crnn import CrnnEnsemble
from lpr.plate_module import CrnnEngine, PlateRecognizer
from lpr.run_files import write_metrics, write_provenance

SPLIT_KEYS = ("roots", "split_percent", "split_salt")


def real_split(data: dict) -> dict:
    """What decides which real photos a run trained and validated on."""
    return {key: data.get(key) for key in SPLIT_KEYS}


def ensemble(cfg: DictConfig) -> dict:
    run_dir = Path(cfg.paths.output_dir)
    paths = [Path(path) for path in cfg.ckpt_paths]
    if len(paths) < 2:
        raise LprError(f"ckpt_paths: give two or more whole-plate checkpoints, got {len(paths)}")
    members = [CrnnEngine.from_checkpoint(path).model for path in paths]
    data = [load_checkpoint(path).get("datamodule_hyper_parameters", {}) for path in paths]
    for path, member_data in zip(paths[1:], data[1:]):
        if real_split(member_data) != real_split(data[0]):
            raise LprError(f"{path}: trained on another real-photo split than {paths[0]} "
                           f"({real_split(member_data)} vs {real_split(data[0])})")
    try:
        net = CrnnEnsemble([member.net for member in members])
    except ValueError as error:
        raise LprError(f"ckpt_paths: {error}") from None
    model = PlateRecognizer(net=net, optimizer=None)
    output = run_dir / "checkpoints" / "ensemble.ckpt"
    output.parent.mkdir(parents=True, exist_ok=True)
    write_provenance(run_dir, cfg)
    AtomicCheckpointIO().save_checkpoint({"hyper_parameters": dict(model.hparams), "state_dict": model.state_dict(),
                                          "datamodule_hyper_parameters": data[0],
                                          "ensemble_of": [str(path) for path in paths]}, output)
    metrics = {"members": len(paths), "model/params": sum(p.numel() for p in model.parameters()),
               "ckpt_path": str(output)}
    write_metrics(run_dir, metrics)
    print(f"Checkpoint:  {output}\nRun:         {run_dir}  (metrics.json)", file=sys.stderr)
    return metrics


main = command(ensemble, "ensemble")


if __name__ == "__main__":
    main()
