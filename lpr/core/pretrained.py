"""The models lpr ships in lpr/pretrained/ (ONNX + the JSON lpr.export writes, and their MODEL_CARD.md): a plate
detector, a plate reader and a fast reader distilled from it, each trained by a recipe in configs/experiment/ on
data whose licence allows shipping a model trained on it. `Reader()` and `lpr read PHOTO` read with them, offline,
with onnxruntime only; `fast` names the fast reader where a reader is asked for."""
from pathlib import Path

from lpr.core.errors import LprError

PRETRAINED_DIR = Path(__file__).resolve().parents[1] / "pretrained"
READER = PRETRAINED_DIR / "plate_reader.onnx"
FAST_READER = PRETRAINED_DIR / "plate_reader_fast.onnx"
DETECTOR = PRETRAINED_DIR / "plate_detector.onnx"
TEXT_DETECTOR = PRETRAINED_DIR / "text_detector.onnx"  # PP-OCRv6 as RapidOCR ships it: no recipe of lpr's
RECIPES = {READER: "experiment=ppocr_plates", FAST_READER: "experiment=reader_distilled",
           DETECTOR: "experiment=detector_clean"}
SHIPPED = "shipped"  # the name that stands for the shipped model where a model is asked for
SHIPPED_READERS = {SHIPPED: READER, "fast": FAST_READER}  # the names a user may give instead of a path


def pretrained(model: Path) -> str:
    """The path of a shipped model; LprError naming the recipe where this lpr does not ship it."""
    if not model.is_file():
        how = (f"train one (python -m lpr.train {RECIPES[model]}, then python -m lpr.export) and name it"
               if model in RECIPES else "reinstall lpr")
        raise LprError(f"{model}: this lpr ships no {model.stem.replace('_', ' ')}; {how}")
    return str(model)


def shipped_or(model: str | Path, shipped: Path) -> str:
    """`model` as given, or the path of the shipped `shipped` where it names the shipped one."""
    return pretrained(shipped) if str(model) == SHIPPED else str(model)

