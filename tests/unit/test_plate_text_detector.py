"""A plate detector from a pretrained start: PP-OCR's text detector fine-tuned on plate boxes (lpr.models.ppocr_det,
lpr.training.text_map_module), exported and read as the text finder reads the detector it started from."""
import json

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from lpr.core.text_map import text_lines
from lpr.training.text_map_module import plate_maps
from tests.conftest import best_ckpt, compose_config, train_run

SCENES = ["data.roots=null", "data.synth.plates_per_scene=[0.1,0.5,0.4]", "data.synth.plate_width=[0.22,0.35]",
          "data.synth.size=[[320,400],[240,300]]", "data.synth.photo_p=0", "data.synth.clutter=[0,4]",
          "data.synth.count={train: 16, val: 8, test: 8}", "data.batch_size=4", "data.input_size=128"]


@pytest.mark.parametrize("box", [(20, 30, 120, 58), (10, 10, 50, 60), (200, 100, 232, 110)])
def test_a_shrunk_plate_region_decodes_back_to_its_plate(box):
    """The training target (the box shrunk as DB shrinks text) and decoding (its unclip) are each other's inverse."""
    maps = plate_maps([{"boxes": torch.tensor([box], dtype=torch.float32)}], (160, 256), shrink=0.4)
    found = text_lines(maps[0, 0].numpy(), pixel_floor=0.3, score_floor=0.5, unclip=1.5)
    assert len(found) == 1
    (x0, y0, x1, y1), (a0, b0, a1, b1) = found.boxes[0], box
    inter = max(0, min(x1, a1) - max(x0, a0)) * max(0, min(y1, b1) - max(y0, b0))
    assert inter / ((x1 - x0) * (y1 - y0) + (a1 - a0) * (b1 - b0) - inter) > 0.75, (found.boxes, box)


def test_the_fine_tune_starts_from_the_text_detector(tmp_path):
    """Before any step, the converted net gives the map the shipped ONNX gives (its logits through a sigmoid)."""
    from lpr.models.ppocr_det import PpOcrTextDetector
    from lpr.reading.locate.text_finder import TextFinder

    finder = TextFinder()
    photo = np.random.default_rng(0).integers(0, 255, (96, 128, 3), np.uint8)
    batch, _ = finder.batch(photo)
    net = PpOcrTextDetector().eval()
    with torch.no_grad():
        ours = torch.sigmoid(net.graph(torch.from_numpy(batch))).numpy()
    assert np.abs(ours - finder.net(batch)).max() < 1e-4


@pytest.mark.slow
def test_a_few_steps_train_export_and_read_as_a_text_finder(cache_dir, photo_folder, tmp_path_factory, tmp_path):
    from lpr.cli.export import export

    run = train_run(tmp_path_factory, "plate_text_detector", [
        "experiment=plate_text_detector", *SCENES, "trainer.max_steps=3", "trainer.val_check_interval=3",
        "data.num_workers=0",  # no loader processes forked from this threaded test process
        f"paths.cache_dir={cache_dir}"])
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"val/map_50", "test/recall_50", "train/dice_loss", "train/bce_loss"} <= set(metrics)
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    assert events.Tags()["images"] == ["val/detections"]  # a detector's view (configs/model/ppocr_det.yaml)
    exported = export(compose_config("export", [f"ckpt_path={best_ckpt(run)}", f"verify.plates_dir={photo_folder}",
                                                "verify.max_photos=3"], tmp_path))
    assert exported["engine"] == "text_detector" and exported["verify/argmax_agree"] == 1.0
