"""Loading a reader: the engine a checkpoint (torch) or an exported model (onnx) asks for, by its kind; which runtime
reads a file is lpr.reading.runtime's one rule."""
from pathlib import Path
from typing import Annotated

from pydantic import Field, PositiveInt, validate_call

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError
from lpr.core.formats import PlateFormats
from lpr.reading.engines.classic import ClassicEngine
from lpr.reading.engines.base import Engine
from lpr.reading.engines.ctc import CtcEngine
from lpr.reading.runtime import backend_of, reader_file
from lpr.vision.segment import CharSegmenter, Segmenter

EdgeMinProb = Annotated[float, Field(ge=0, lt=1)]


@validate_call(config={"arbitrary_types_allowed": True})  # refuse wrong settings with their name
def load_engines(paths: list[str], segmenter: Segmenter | None = None, formats: PlateFormats | None = None,
                 edge_min_prob: EdgeMinProb = 0.0, threads: PositiveInt | None = None,
                 ppocr: dict | None = None) -> list[Engine]:
    """One engine per checkpoint (torch) or MODEL.onnx (onnx, with lpr.export's MODEL.json beside it): several are
    an ensemble. Each is told the region's plate formats; a whole-plate one also how sure a character at a
    reading's end must be. `threads`: torch's or onnxruntime's intra-op threads (None: all cores); `ppocr`: a PP-OCR
    recognizer's settings (lpr.reading.engines.ppocr.PpOcrEngine)."""
    if threads and any(backend_of(path) == "torch" for path in paths):
        import torch

        torch.set_num_threads(threads)
    return [load_engine(path, segmenter, formats, edge_min_prob, threads, ppocr) for path in paths]


def load_engine(path: str | Path, segmenter: Segmenter | None = None, formats: PlateFormats | None = None,
                edge_min_prob: float = 0.0, threads: int | None = None, ppocr: dict | None = None) -> Engine:
    """The classic engine for a character classifier, the CTC engine for a whole-plate recognizer. A classic
    engine segments with `segmenter`, or (onnx) as its model was exported."""
    if backend_of(path) == "onnx":
        from lpr.reading.engines.onnx_model import OnnxModel, load_reader_info
        from lpr.reading.engines.ppocr import load_ppocr

        path = reader_file(path)
        model = OnnxModel(path, threads)
        if (engine := load_ppocr(model, formats, edge_min_prob, **(ppocr or {}))) is not None:
            return engine
        info = load_reader_info(path)
        if info.get("engine") == "detector":
            return detector_engine(path, info["num_classes"], formats, threads)
        if info.get("engine") == "crnn":
            model.check_input(path, info["input_height"], info["input_width"])
            return CtcEngine(model, info["input_height"], info["input_width"], formats, edge_min_prob)
        size = info["input_size"]
        model.check_input(path, size, size)
        return ClassicEngine(model, segmenter or CharSegmenter(**info["segment"]), size, formats)
    from lpr.models.checkpoint import trained_net
    from lpr.reading.engines.torch_model import TorchModel

    net, hyper_parameters = trained_net(path)
    engine = hyper_parameters.get("engine", "classifier")
    if engine == "detector":
        return detector_engine(path, net.num_classes, formats, threads)
    if engine == "crnn":
        return CtcEngine(TorchModel(net, "log_softmax"), net.input_height, net.input_width, formats, edge_min_prob)
    if engine != "classifier":
        raise LprError(f"{path}: a {engine} checkpoint finds plates, it does not read them")
    return ClassicEngine(TorchModel(net, "softmax"), segmenter or CharSegmenter(), net.input_size, formats)


def detector_engine(path: str | Path, num_classes: int, formats: PlateFormats | None, threads: int | None) -> Engine:
    """A detector that classes each character it finds reads plates (experiment=char_reader); one of plates or of
    unnamed characters does not."""
    from lpr.reading.segment.char_detector import DetectedText
    from lpr.reading.locate.plate_detector import PlateFinder

    if num_classes != len(ALPHABET):
        raise LprError(f"{path}: a detector of {num_classes} class(es) finds plates or characters, it does not read "
                       f"them: give it as locate.detector.model={path} (plates) or segment.model={path} "
                       f"(characters), and a reader as the model")
    return DetectedText(PlateFinder(str(path), threads=threads), formats)
