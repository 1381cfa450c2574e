"""What every entry point leaves in its run directory for other tools: metrics.json and provenance, each file
written whole or not at all (a stop mid-write leaves the old file or none, never half of one)."""
import contextlib
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from lpr.core.errors import LprError
from lpr.core.files import written_whole


@contextlib.contextmanager
def atomic_open(path: Path, newline: str | None = None):
    """A text file to write, in place at `path` only once the block ends without an error."""
    with written_whole(path) as partial, partial.open("w", newline=newline) as handle:
        yield handle


def write_text_atomic(path: Path, text: str) -> Path:
    with atomic_open(path) as handle:
        handle.write(text)
    return path


def write_json_atomic(path: Path, payload: dict) -> Path:
    return write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=True) + "\n")


def write_metrics(run_dir: str | Path, metrics: dict) -> Path:
    """Flat `{"val/acc_best": 0.99, ...}`, numbers as plain floats, written atomically."""
    flat = {key: value.item() if hasattr(value, "item") else value for key, value in metrics.items()}
    return write_json_atomic(Path(run_dir) / "metrics.json", flat)


def write_provenance(run_dir: str | Path, cfg: DictConfig) -> None:
    """The resolved config, git commit and package versions, so a run can be understood and repeated."""
    run_dir = Path(run_dir)
    write_text_atomic(run_dir / "config_resolved.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                                cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    packages = ["torch", "torchvision", "lightning", "torchmetrics", "hydra-core", "albumentations",
                "opencv-python-headless", "numpy", "onnxruntime"]
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    write_json_atomic(run_dir / "provenance.json", {"git_commit": commit, "python": sys.version.split()[0],
                                                   "argv": sys.argv, "packages": versions})


@contextlib.contextmanager
def run_folder_held(run_dir: Path):
    """The run folder taken by this process for the block (an advisory lock, which the system drops when the process
    ends, however it ends): a second training given the same folder is refused instead of overwriting the first one's
    checkpoints, metrics and TensorBoard files."""
    import fcntl

    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LprError(f"{run_dir}: another training is writing to this run folder; give this one another "
                           f"hydra.run.dir") from None
        yield
