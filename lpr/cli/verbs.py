"""The `lpr` command: one verb for each job, its Hydra overrides passed through as `python -m lpr.<verb>` takes
them (`lpr train experiment=baseline`, `lpr train -m model=small_cnn,resnet`, `lpr read ckpt_path=CKPT input=DIR`).
Only the verb's own module is imported, so `lpr --help` answers at once."""
import importlib
import sys

VERBS = {
    "train": "train a model: lpr train experiment=baseline | crnn_plates | detector ... (configs/train.yaml)",
    "eval": "a character classifier on an ImageFolder root: lpr eval ckpt_path=CKPT data.root=DIR",
    "read": "read plates in photos or crops: lpr read ckpt_path=CKPT input=PATH [locate=auto|box|none|detector]",
    "detect": "find plates: lpr detect detector=CKPT_OR_ONNX input=PATH [subset=test] [draw=true]",
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
    sys.argv = [f"lpr {verb}", *overrides]  # Hydra and argparse read the command line from here
    return importlib.import_module(f"lpr.cli.{verb}").main()
