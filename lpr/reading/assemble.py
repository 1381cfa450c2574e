"""One assembly of a reader: `lpr read`, `lpr label`, `lpr val` and `Reader()` all build theirs here, from a config
composed of configs/read.yaml (locate, segment, formats, photo limits, PP-OCR's settings, threads), so that every way
in reads a photo alike."""
from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

from lpr.core.config import instantiate
from lpr.core.errors import LprError, missing_value
from lpr.core.formats import PlateFormats
from lpr.reading.engines.load import load_engines
from lpr.reading.runtime import backend_of, reader_file
from lpr.reading.pipeline import PlateReader


def as_list(paths) -> list[str]:
    """`ckpt_path` as a list of paths: one path, or a list of them (an ensemble)."""
    return [str(path) for path in paths] if isinstance(paths, (list, tuple, ListConfig)) else [str(paths)]


def model_paths(cfg: DictConfig) -> list[str]:
    """The models `ckpt_path` names (checkpoints, exported ONNX models, `shipped`, `fast`, `ppocr`; several: an
    ensemble), each checked to exist before any model library is imported, so a typo is answered at once."""
    if cfg.ckpt_path is None:
        raise missing_value("ckpt_path")
    paths = as_list(cfg.ckpt_path)
    if not paths:
        raise LprError("ckpt_path: an empty list names no model to read with")
    for path in paths:
        if not Path(reader_file(path)).exists():
            raise LprError(f"{path}: {'ONNX model' if backend_of(path) == 'onnx' else 'checkpoint'} not found")
    return paths


def build_reader(cfg: DictConfig, models: list[str]) -> PlateReader:
    """A reader of `models` (several: an ensemble) with the config's locate, segment, formats, photo limits and
    threads."""
    locate = instantiate(cfg.locate)
    segmenter = instantiate(cfg.segment)
    engines = load_engines(models, segmenter=segmenter, formats=PlateFormats(cfg.formats.patterns),
                           edge_min_prob=cfg.edge_min_prob, threads=cfg.threads,
                           ppocr=OmegaConf.to_container(cfg.ppocr))
    return PlateReader(engines, locate, segmenter, cfg.threads or 2, instantiate(cfg.photo_limits))
