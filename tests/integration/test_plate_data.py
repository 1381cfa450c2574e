"""Plate data on the shared OpenALPR photos: folders are read in place and split by the configured photo split;
characters harvested from the train and val shares only."""
import numpy as np

from lpr.data.chars import CharDataModule
from lpr.data.harvest import SynthAndHarvest
from lpr.data.plates import PlateDataModule, plate_split
from lpr.vision.segment import CharSegmenter
from tests.conftest import photo_split
from tests.integration.conftest import OPENALPR


def test_openalpr_folder_is_split_into_crops_in_place():
    split = photo_split("train", ("experiment=crnn_plates",))
    datamodule = PlateDataModule(roots=[str(OPENALPR / "eu")], split=split, input_height=32, input_width=128)
    datamodule.setup("fit")
    sizes = {share: len(dataset) for share, dataset in datamodule.datasets.items()}
    assert sum(sizes.values()) == len(list((OPENALPR / "eu").glob("*.txt")))
    assert sizes == {share: len(plate_split(OPENALPR / "eu", share, split)) for share in ("train", "val", "test")}
    image, text = datamodule.datasets["val"][0]
    assert image.shape == (32, 128) and image.dtype == np.uint8 and text.isalnum()
    images, texts = next(iter(datamodule.val_dataloader()))
    assert images.shape[1:] == (1, 32, 128) and 0.0 <= images.min() and images.max() <= 1.0


def test_harvest_takes_real_characters_from_train_and_val_photos_only(tmp_path):
    """Held-out photos give nothing; each used photo's characters land in the split `lpr.read subset=` reads it in."""
    split = photo_split()
    harvest = SynthAndHarvest(per_class={"train": 1, "val": 1}, segmenter=CharSegmenter(),
                              photo_dirs=[str(OPENALPR / "eu")], split=split, repeat=2)
    root = harvest.ensure(tmp_path)
    splits = {}
    for path in root.glob("*/class_*/real_*.png"):  # real_{folder}_{stem}_{index}_{copy}
        splits.setdefault(path.parts[-3], set()).add("_".join(path.stem.split("_")[2:-2]))
    assert splits.get("train") and splits.get("val") and not splits.get("test")
    for share, stems in splits.items():
        assert {split.of(f"{stem}.jpg") for stem in stems} == {share}
    datamodule = CharDataModule(synth=harvest)
    assert datamodule.hparams.split_percent == split.percent
    assert datamodule.hparams.roots == [str(OPENALPR / "eu")]
