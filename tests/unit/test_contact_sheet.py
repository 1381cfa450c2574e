"""GeneratedBesideReal: the TensorBoard contact sheet of generated plates beside real ones, from tiny real trainings."""
from types import SimpleNamespace

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import lpr.training.views.plates as plate_views
from lpr.core.errors import LprError
from lpr.data.plate_crops import PlateCrops
from lpr.data.samples import load_plate_samples
from lpr.data.synth_plates import PlateSynth
from tests.conftest import compose_config, tiny_crnn

TAG = "data/generated_beside_real"


@pytest.fixture(scope="module")
def real_root(tmp_path_factory):
    """A labels.csv plate root with its own train/ (5 plates, fewer than a column's rows) and val/ shares."""
    return PlateSynth(count={"train": 5, "val": 2}, seed=3).ensure(tmp_path_factory.mktemp("real"))


# rows: configs/callbacks/views/plates.yaml's 16, or all 5 plates of the real root when only they are shown
@pytest.mark.parametrize(("data", "columns", "rows", "title"), [
    (["data.roots=null"], 1, 16, "generated training plates only: this run has no real ones"),
    (["data.roots=[REAL]"], 2, 16, "generated (left) beside real (right) training plates"),
    (["data.roots=[REAL]", "data.synth=null"], 1, 5, "real training plates only: this run has no generated ones"),
], ids=["generated", "both", "real"])
def test_training_logs_the_contact_sheet(data, columns, rows, title, real_root, cache_dir, tmp_path, monkeypatch):
    from lpr.cli.train import train

    sheets, drawn_grid = [], plate_views.captioned_grid

    def recording_grid(*arguments):  # what the sheet is drawn from: the image alone does not show its layout
        sheets.append(arguments)
        return drawn_grid(*arguments)

    monkeypatch.setattr(plate_views, "captioned_grid", recording_grid)
    overrides = [*tiny_crnn(cache_dir), "data.synth.count={train: 24, val: 4, test: 4}", "test=false",
                 "+trainer.limit_train_batches=2", "+trainer.limit_val_batches=1",
                 *[override.replace("REAL", str(real_root)) for override in data]]
    train(compose_config("train", overrides, tmp_path))

    [(images, captions, grid_columns, grid_title)] = sheets
    assert grid_columns == columns and grid_title.startswith(title)
    assert images.shape == (columns * rows, 1, 32, 128) and 0.0 <= images.min() and images.max() <= 1.0
    if columns == 2:  # the right column: the 5 real plates, then empty tiles
        assert all(captions[1:10:2]) and not any(captions[11::2])
    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    [image] = events.Images(TAG)
    assert image.height > rows * 32 and image.width > columns * 128


def test_the_same_plates_each_time_as_annotated_and_without_touching_the_jitter(photo_folder):
    samples, _ = load_plate_samples(photo_folder)
    part = PlateCrops(samples, 32, 128, box_jitter=(-0.05, 0.2), seed=0)
    jitter_state = part.rng.bit_generator.state
    images, texts = plate_views.plain_plates(part, 4, seed=0)
    again, texts_again = plate_views.plain_plates(part, 4, seed=0)
    assert images.shape == (4, 1, 32, 128) and texts == texts_again and images.equal(again)
    assert part.rng.bit_generator.state == jitter_state
    unjittered = PlateCrops(samples, 32, 128)
    assert any(np.array_equal(images[0, 0].mul(255).round().byte().numpy(), unjittered[i][0]) for i in range(6))


def test_other_data_is_a_config_error_naming_the_callback():
    trainer = SimpleNamespace(datamodule=SimpleNamespace())
    with pytest.raises(LprError, match="GeneratedBesideReal .*callbacks.contact_sheet=null"):
        plate_views.GeneratedBesideReal().on_fit_start(trainer, None)
