"""The plate detector end to end: a tiny real training on generated scenes finds plates in scenes it never saw,
exports to ONNX with the same boxes, reads every plate of a photo (`lpr.read locate=detector`), and `lpr.detect`
writes and scores boxes; bad input is one line."""
import csv
import json

import cv2
import numpy as np
import pytest
from hydra.utils import instantiate
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from lpr.core.centre_decode import pairwise_iou
from lpr.reading.locate.plate_detector import PlateFinder
from tests.conftest import REPO, assert_clean_error, best_ckpt, compose_config, run_in_process, train_run


SCENES = ["data.roots=null", "data.synth.plates_per_scene=[0.1,0.5,0.4]", "data.synth.plate_width=[0.22,0.35]",
          "data.synth.size=[[320,400],[240,300]]", "data.synth.photo_p=0", "data.synth.clutter=[0,4]",
          "data.input_size=128"]


@pytest.fixture(scope="session")
def detector_run(cache_dir, tmp_path_factory):
    """A detector trained for a few hundred steps on 480 generated scenes of one or two big plates, 128 px input."""
    return train_run(tmp_path_factory, "detector", [
        "experiment=detector", *SCENES, "data.synth.count={train: 480, val: 24, test: 16}",
        "data.batch_size=8", "data.num_workers=0", "trainer.max_steps=500", "model.optimizer.lr=0.006",
        "callbacks.early_stopping=null", "callbacks.rich_progress_bar=null", "+trainer.enable_progress_bar=false",
        f"paths.cache_dir={cache_dir}"])


@pytest.fixture(scope="session")
def unseen_scenes(tmp_path_factory):
    """Scenes drawn as the training ones were, from another seed: two with two plates, one without any."""
    cfg = compose_config("train", ["experiment=detector", *SCENES, "data.synth.seed=999"],
                         tmp_path_factory.mktemp("cfg"))
    synth = instantiate(cfg.data.synth, _convert_="all")
    folder = tmp_path_factory.mktemp("unseen")
    rows = [["image", "x", "y", "w", "h"]]
    for index, plates in enumerate([[0, 0, 1], [0, 0, 1], [1]]):  # weights of 0, 1, 2 plates
        synth.plates_per_scene = plates
        scene = synth.render(np.random.default_rng([999, index]))
        name = f"scene{index}.jpg"
        cv2.imwrite(str(folder / name), scene.image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        x0, y0, x1, y1 = scene.boxes.T
        rows += [[name, *box] for box in np.stack([x0, y0, x1 - x0, y1 - y0], 1).round(1).tolist()] or \
            [[name, "", "", "", ""]]
    with open(folder / "boxes.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


def true_boxes(folder) -> dict[str, np.ndarray]:
    boxes = {}
    with open(folder / "boxes.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            found = boxes.setdefault(row["image"], [])
            if row["x"]:
                x, y, w, h = (float(row[k]) for k in "xywh")
                found.append([x, y, x + w, y + h])
    return {name: np.array(b, np.float32).reshape(-1, 4) for name, b in boxes.items()}


def test_a_few_steps_log_the_detectors_view_only(cache_dir, tmp_path):
    """configs/model/centernet.yaml chooses the detection views: val photos with their boxes, no character views."""
    from lpr.cli.train import train

    train(compose_config("train", [
        "experiment=detector", *SCENES, "data.synth.count={train: 8, val: 4, test: 4}", "data.batch_size=4",
        "data.num_workers=0", "trainer.max_steps=2", "test=false", "callbacks.rich_progress_bar=null",
        "+trainer.enable_progress_bar=false", f"paths.cache_dir={cache_dir}"], tmp_path))
    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    assert events.Tags()["images"] == ["val/detections"]
    [grid] = events.Images("val/detections")
    assert grid.width > 128 and grid.height >= 128  # the 4 val scenes at 128 px, 4 a row


@pytest.mark.slow
def test_a_tiny_training_finds_the_plates_of_scenes_it_never_saw(detector_run, unseen_scenes):
    metrics = json.loads((detector_run / "metrics.json").read_text())
    assert {"val/map_50", "val/recall_50", "val/map", "test/map_50"} <= set(metrics)
    finder = PlateFinder(str(best_ckpt(detector_run)))
    for name, truth in true_boxes(unseen_scenes).items():
        found = finder(cv2.imread(str(unseen_scenes / name)))
        if len(truth):
            assert len(found) and (pairwise_iou(truth, found.boxes).max(1) >= 0.5).all(), (name, found.boxes, truth)
        else:
            assert not len(found), found.scores


@pytest.mark.slow
def test_onnx_export_finds_the_same_boxes(detector_run, unseen_scenes, tmp_path):
    from lpr.cli.export import export

    metrics = export(compose_config("export", [f"ckpt_path={best_ckpt(detector_run)}",
                                               f"verify.plates_dir={unseen_scenes}"], tmp_path))
    assert metrics["engine"] == "detector" and metrics["verify/argmax_agree"] == 1.0
    torch_finder, onnx_finder = PlateFinder(str(best_ckpt(detector_run))), PlateFinder(metrics["model_path"])
    assert onnx_finder.score_floor == torch_finder.score_floor
    for name in true_boxes(unseen_scenes):
        photo = cv2.imread(str(unseen_scenes / name))
        ours, theirs = torch_finder(photo), onnx_finder(photo)
        assert len(ours) == len(theirs) and np.allclose(ours.boxes, theirs.boxes, atol=0.05)


@pytest.mark.slow
def test_reading_with_the_detector_gives_a_row_a_plate(detector_run, unseen_scenes, small_crnn_ckpt, tmp_path):
    from lpr.cli.read import read

    metrics = read(compose_config("read", [f"ckpt_path={small_crnn_ckpt}", f"input={unseen_scenes}",
                                           "locate=detector", f"locate.detector.model={best_ckpt(detector_run)}",
                                           # this barely trained reader is sure of none and reads no plate's
                                           # length: the plate detector's boxes, unverified
                                           "locate.min_confidence=0", "locate.text_finder=null",
                                           "locate.plate_chars=[1,10]", "locate.min_digits=0"],
                                  tmp_path))
    with open(tmp_path / "predictions.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    plates = [row for row in rows if row["status"] == "read"]
    per_photo = {name: sum(row["image"] == name for row in plates) for name in ("scene0.jpg", "scene1.jpg", "scene2.jpg")}
    assert per_photo == {"scene0.jpg": 2, "scene1.jpg": 2, "scene2.jpg": 0}
    assert all(row["w"] and int(row["w"]) > 0 for row in plates)
    assert [(row["image"], row["text"], row["status"]) for row in rows if row not in plates] == [
        ("scene2.jpg", "", "no plate found")]  # a photo without a plate says so in its row
    assert metrics["n_plates_found"] == 4 and metrics["n_photos_without_plate"] == 1


@pytest.mark.slow
def test_detect_writes_and_scores_the_boxes_of_a_labelled_folder(detector_run, unseen_scenes, tmp_path):
    run_dir = tmp_path / "run"
    finished = run_in_process("lpr.detect", f"detector={best_ckpt(detector_run)}", f"input={unseen_scenes}",
                              "draw=true", f"hydra.run.dir={run_dir}")
    assert finished.returncode == 0, finished.stderr[-2000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["n_photos"] == 3 and metrics["n_true"] == 4 and metrics["detect/recall_50"] == 1.0
    assert 0 < metrics["detect/map_50"] <= 1 and metrics["detect/precision_50"] == 1.0
    listed = json.loads((run_dir / "boxes.json").read_text())
    assert [len(listed[f"scene{i}.jpg"]) for i in range(3)] == [2, 2, 0]
    assert sorted(p.name for p in (run_dir / "drawn").iterdir()) == ["scene0.jpg", "scene1.jpg", "scene2.jpg"]


def test_a_box_outside_its_image_is_one_line(tmp_path, small_crnn_ckpt):
    cv2.imwrite(str(tmp_path / "a.jpg"), np.zeros((40, 60, 3), np.uint8))
    (tmp_path / "boxes.csv").write_text("image,x,y,w,h\na.jpg,50,10,30,10\n")
    assert_clean_error(run_in_process("lpr.detect", f"detector={small_crnn_ckpt}", f"input={tmp_path}",
                                      f"hydra.run.dir={tmp_path / 'run'}"), "outside the 60x40 image a.jpg")
    assert_clean_error(run_in_process("lpr.detect", f"detector={small_crnn_ckpt}", f"input={tmp_path / 'a.jpg'}",
                                      f"hydra.run.dir={tmp_path / 'run'}"), "crnn")
    finished = run_in_process("lpr.train", "experiment=detector", "data.synth=null",
                              f"data.roots=[{{path: {tmp_path}}}]", f"hydra.run.dir={tmp_path / 'train'}")
    assert_clean_error(finished, "outside the 60x40 image a.jpg")


@pytest.mark.slow
def test_odd_photos_are_searched_and_a_corrupt_one_is_one_line(detector_run, tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    cv2.imwrite(str(folder / "pixel.png"), np.full((1, 1, 3), 128, np.uint8))
    cv2.imwrite(str(folder / "grey.png"), np.full((60, 90), 90, np.uint8))
    cv2.imwrite(str(folder / "rgba.png"), np.full((60, 90, 4), 200, np.uint8))
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    run_dir = tmp_path / "run"
    finished = run_in_process("lpr.detect", f"detector={best_ckpt(detector_run)}", f"input={folder}",
                              f"hydra.run.dir={run_dir}")
    errors = [line for line in finished.stderr.splitlines() if line.startswith("error: ")]
    assert finished.returncode == 0 and "Traceback" not in finished.stderr
    assert len(errors) == 1 and "broken.jpg" in errors[0]
    assert json.loads((run_dir / "metrics.json").read_text())["n_photos"] == 3


@pytest.mark.slow
def test_the_readmes_python_example_reads_every_plate(detector_run, unseen_scenes, small_crnn_ckpt, capsys):
    readme = (REPO / "README.md").read_text()
    example = readme.split("### Reading from Python\n\n```python\n")[1].split("```")[0]
    for placeholder, path in (("crnn.ckpt", small_crnn_ckpt), ("detector.ckpt", best_ckpt(detector_run)),
                              ("car.jpg", unseen_scenes / "scene0.jpg")):
        example = example.replace(f'"{placeholder}"', repr(str(path)))
    unverified = "min_confidence=0, text_finder=None, plate_chars=(1, 10), min_digits=0"  # as above
    example = example.replace("Reader(", f"Reader({unverified}, ")
    exec(compile(example, "README.md", "exec"), {})
    assert len(capsys.readouterr().out.strip().splitlines()) == 2  # scene0 holds two plates

    from PIL import Image

    from lpr import Reader

    reader = Reader(reader=small_crnn_ckpt, detector=best_ckpt(detector_run), min_confidence=0, text_finder=None,
                    plate_chars=(1, 10), min_digits=0)
    photo = cv2.imread(str(unseen_scenes / "scene0.jpg"))
    by_path, by_array, by_pil = reader.read([unseen_scenes / "scene0.jpg", photo,
                                             Image.open(unseen_scenes / "scene0.jpg")])
    assert by_path == by_array == by_pil and len(by_path) == 2
    assert reader.read(unseen_scenes / "scene2.jpg") == []
    assert all(len(plate.char_confidences) == len(plate.text) for plate in by_path)
    floor = max(plate.confidence for plate in by_path) + 0.01  # above every reading of this barely trained reader
    assert Reader(reader=small_crnn_ckpt, detector=best_ckpt(detector_run), min_confidence=floor).read(photo) == []
    crops = Reader(reader=small_crnn_ckpt, detector=None).read(photo)  # no detector: the image is the plate crop
    assert len(crops) == 1 and crops[0].box == (0, 0, photo.shape[1], photo.shape[0])
