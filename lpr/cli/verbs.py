"""The `lpr` command: one verb for each job, its Hydra overrides passed through as `python -m lpr.<verb>` takes
them (`lpr train experiment=baseline`, `lpr train -m model=small_cnn,resnet`, `lpr read ckpt_path=CKPT input=DIR`).
`lpr read PHOTO_OR_FOLDER` with no model named reads with the models lpr ships. Only the verb's own module is
imported, so `lpr --help` answers at once."""
import importlib
import sys

from lpr.core.errors import LprError, exit_on_lpr_error
from lpr.core.pretrained import SHIPPED, SHIPPED_READERS

HYDRA_VALUED_FLAGS = ("--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
                      "--config-dir", "-cd", "--info", "-i")  # their value is no path to read

VERBS = {
    "train": "train a model: lpr train experiment=baseline | crnn_plates | detector ... (configs/train.yaml)",
    "eval": "a character classifier on an ImageFolder root: lpr eval ckpt_path=CKPT data.root=DIR",
    "read": "read plates in photos: lpr read PHOTO_OR_FOLDER (the shipped models) | lpr read ckpt_path=CKPT input=PATH "
            "[locate=auto|box|none|detector]",
    "detect": "find plates: lpr detect detector=CKPT_OR_ONNX input=PATH [subset=test] [draw=true]",
    "label": "pseudo-labels for distillation: lpr label ckpt_path=TEACHER input=PHOTOS locate.detector.model=DET",
    "val": "compare checkpoints on their own val photos: lpr val 'ckpts=[A,B,[A,B]]'",
    "export": "ONNX for deployment, checked against torch: lpr export ckpt_path=CKPT",
    "bench": "reading speed of torch and onnxruntime: lpr bench ckpt_path=CKPT model_path=MODEL.onnx",
    "compare": "tabulate runs: lpr compare logs/train/multiruns/<time>",
    "data": "check or describe a dataset: lpr data validate DIR | lpr data stats DIR",
}


def usage() -> str:
    width = max(map(len, VERBS))
    return "usage: lpr VERB [OVERRIDE ...]   (lpr VERB --help: the verb's config and options)\n\n" + \
        "\n".join(f"  {verb:<{width}}  {what}" for verb, what in VERBS.items())


def main(argv: list[str] | None = None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        raise SystemExit(0 if argv else 2)
    verb, overrides = argv[0], argv[1:]
    if verb not in VERBS:
        print(f"error: lpr {verb}: no such verb; one of {', '.join(VERBS)}", file=sys.stderr)
        raise SystemExit(2)
    if verb == "read":
        overrides = exit_on_lpr_error(shipped_reading)(overrides)
    sys.argv = [f"lpr {verb}", *overrides]  # Hydra and argparse read the command line from here
    # a verb of an extra the install left out (lpr compare: tensorboard) is one line too
    return exit_on_lpr_error(importlib.import_module)(f"lpr.cli.{verb}").main()


def shipped_reading(overrides: list[str]) -> list[str]:
    """`lpr read PHOTO_OR_FOLDER [OVERRIDE ...]`: the bare path is the input; with no model named, the shipped
    detector finds the plates and the shipped reader (`ckpt_path=fast`: the fast one) reads them, on onnxruntime."""
    from lpr.cli.command import quoted  # Hydra's grammar: imported here, so that `lpr --help` needs no Hydra

    paths = [arg for index, arg in enumerate(overrides) if "=" not in arg and not arg.startswith("-")
             and (index == 0 or overrides[index - 1] not in HYDRA_VALUED_FLAGS)]
    if not paths:
        return overrides
    if len(paths) > 1:
        raise LprError(f"lpr read {' '.join(paths)}: give one image or folder (input=...)")
    rest = [arg for arg in overrides if arg != paths[0]]
    given = {arg.split("=", 1)[0].lstrip("+"): arg.split("=", 1)[1] for arg in rest if "=" in arg}
    named = "locate" in given or given.get("ckpt_path", SHIPPED) not in SHIPPED_READERS
    models = [] if named else [*([] if "ckpt_path" in given else [f"ckpt_path={SHIPPED}"]), "locate=detector",
                               f"locate.detector.model={SHIPPED}"]
    return [f"input={quoted(paths[0])}", *models, *rest]
