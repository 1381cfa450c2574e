"""Export a checkpoint for deployment: `python -m lpr.export ckpt_path=CKPT [output=PATH.onnx]`.

Writes MODEL.onnx (torch.onnx, dynamic batch) and MODEL.json beside it (engine, alphabet, input size,
preprocessing and, for the classic engine, segmentation: all `lpr.read ckpt_path=MODEL.onnx` needs besides the
weights). A character classifier is exported with its softmax (probabilities out), a whole-plate CRNN with
its log-softmax (CTC log-probabilities per column out; decoding is NumPy, `lpr.core.ctc_decode`), a plate detector
with its three maps packed as one (decoding is NumPy, `lpr.core.centre_decode`). Both runtimes then read real inputs
(character crops, plate boxes of real photos, or whole photos) and the export is refused when they disagree.
metrics.json in the run dir.
"""
import json
import sys
from pathlib import Path

from omegaconf import DictConfig

from lpr.cli.command import command
from lpr.cli.run_files import write_json_atomic, write_metrics, write_provenance
from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError
from lpr.reading.engines.onnx_model import reader_info_path


def export(cfg: DictConfig) -> dict:
    """Cheap checks first (the checkpoint is there, the output's name), then torch and the exporters."""
    run_dir = Path(cfg.paths.output_dir)
    if not Path(cfg.ckpt_path).exists():
        raise LprError(f"{cfg.ckpt_path}: checkpoint not found")
    if cfg.output and not str(cfg.output).endswith(".onnx"):
        raise LprError(f"output: {cfg.output} must end in .onnx (MODEL.json is written beside it)")
    import torch

    from lpr.deploy.onnx_export import EXPORTS
    from lpr.models.checkpoint import checkpoint_kind

    exporter, default_name = EXPORTS[checkpoint_kind(cfg.ckpt_path)]
    onnx_path = Path(cfg.output) if cfg.output else run_dir / default_name
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    write_provenance(run_dir, cfg)
    info = {}

    def write_info(exported: dict):  # before verifying: the torch-free reader verified against needs it
        info.update(exported)
        write_json_atomic(reader_info_path(onnx_path), {
            "model": onnx_path.name, "alphabet": ALPHABET, **info, "ckpt_path": str(cfg.ckpt_path),
            "opset": cfg.opset, "torch": torch.__version__})

    try:
        verified = exporter(cfg, onnx_path, write_info)
        metrics = {**verified, "engine": info["engine"], "model_path": str(onnx_path),
                   "ckpt_path": str(cfg.ckpt_path), "onnx_bytes": onnx_path.stat().st_size}
        write_metrics(run_dir, metrics)
        if metrics["verify/max_abs_diff"] > cfg.verify.tolerance or metrics["verify/argmax_agree"] < 1.0:
            raise LprError(f"{onnx_path}: onnxruntime disagrees with PyTorch on real inputs (max |diff| "
                           f"{metrics['verify/max_abs_diff']:.2e}, agreement {metrics['verify/argmax_agree']:.4f}); "
                           f"the unverified model is removed")
    except BaseException:  # an unverified model must not be mistaken for a checked one
        onnx_path.unlink(missing_ok=True)
        reader_info_path(onnx_path).unlink(missing_ok=True)
        raise
    verified = {key: value for key, value in metrics.items() if key.startswith("verify/")}
    print(f"{onnx_path}\n{reader_info_path(onnx_path)}\n{json.dumps(verified, default=float)}\nRun: {run_dir}",
          file=sys.stderr)
    return metrics


main = command(export, "export")

