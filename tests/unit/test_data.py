"""Character data: ImageFolder trees, the character generator, and characters harvested from labelled photos."""
import shutil

import cv2
import numpy as np
import pytest
import torch

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError
from lpr.data.chars import AlphabetImageFolder, CharDataModule, CharTransform, split_dir
from lpr.data.harvest import SynthAndHarvest
from lpr.data.synth_chars import CharSynth
from lpr.vision.segment import CharSegmenter
from tests.conftest import photo_split


@pytest.fixture
def small_tree(char_root, tmp_path):
    """An ImageFolder root with a subset of classes, named both ways (`class_X` and `X`)."""
    for split, count in (("train", 2), ("val", 1)):
        for folder in ("class_7", "class_B", "Z"):
            source = char_root / split / f"class_{folder[-1]}"
            target = tmp_path / split / folder
            target.mkdir(parents=True)
            for path in sorted(source.glob("*.png"))[:count]:
                shutil.copy(path, target)
    return tmp_path


def test_labels_are_alphabet_positions_whatever_subset(small_tree):
    dataset = AlphabetImageFolder(small_tree / "train", CharTransform(28))
    assert sorted(set(dataset.targets)) == [ALPHABET.index("7"), ALPHABET.index("B"), ALPHABET.index("Z")]
    image, label = dataset[0]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.max() > 0.5


def test_datamodule_batches_scaled_and_augmented_only_in_training(small_tree):
    datamodule = CharDataModule(root=str(small_tree), batch_size=4, shift=0.2)
    datamodule.setup("fit")
    assert not datamodule.has_test
    images, labels = next(iter(datamodule.train_dataloader()))
    assert images.shape == (4, 1, 28, 28) and labels.shape == (4,)
    train_set, val_set = datamodule.datasets["train"], datamodule.datasets["val"]
    assert train_set.transform.augment is not None and val_set.transform.augment is None
    assert torch.equal(val_set[0][0], val_set[0][0])  # no randomness outside training


def test_format_makes_ink_bright_whatever_polarity():
    dark_on_light = np.full((40, 24), 230, np.uint8)
    cv2.putText(dark_on_light, "7", (2, 34), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 20, 3)
    a = CharTransform(28)(dark_on_light)
    b = CharTransform(28)(255 - dark_on_light)
    assert torch.allclose(a, b, atol=3 / 255)  # rounding, amplified by the contrast stretch
    assert a[0, 0].mean() < 0.2  # border is background, dark


@pytest.mark.parametrize("make_problem, message", [
    (lambda root: shutil.rmtree(root / "val"), "missing `val/`"),
    (lambda root: (root / "train" / "class_a_b").mkdir(), "not one of 0-9, A-Z"),
    (lambda root: (root / "train" / "class_Q").mkdir(), "empty class folder"),
    (lambda root: (root / "train" / "Z" / "broken.jpg").write_bytes(b"not a jpeg"), "broken.jpg: not a readable image"),
    (lambda root: (root / "train" / "Z" / "empty.png").write_bytes(b""), "empty.png: empty file"),
])
def test_broken_dataset_is_refused_before_training(small_tree, make_problem, message):
    make_problem(small_tree)
    with pytest.raises(LprError, match=message):
        CharDataModule(root=str(small_tree)).setup("fit")


def test_bad_settings_are_refused_by_name(small_tree):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="shift"):
        CharDataModule(root=str(small_tree), shift=0.5)
    with pytest.raises(ValidationError, match="scale"):
        CharDataModule(root=str(small_tree), scale=(1.1, 0.9))
    with pytest.raises(LprError, match="data.root"):
        CharDataModule()


def test_split_dir_accepts_a_root_or_a_split(small_tree):
    assert split_dir(small_tree, "val") == small_tree / "val"
    assert split_dir(small_tree / "val", "val") == small_tree / "val"
    with pytest.raises(LprError, match="does not exist"):
        split_dir(small_tree / "nowhere", "val")
    with pytest.raises(LprError, match="no `test/` split"):
        split_dir(small_tree, "test")


def test_generator_is_deterministic_and_cached(tmp_path):
    synth = CharSynth(per_class={"train": 2, "val": 1}, seed=3)
    root = synth.ensure(tmp_path)
    again = CharSynth(per_class={"train": 2, "val": 1}, seed=3).ensure(tmp_path / "other")
    files = sorted(p.relative_to(root) for p in root.rglob("*.png"))
    assert len(files) == 36 * 3
    assert files == sorted(p.relative_to(again) for p in again.rglob("*.png"))
    assert all(np.array_equal(cv2.imread(str(root / f)), cv2.imread(str(again / f))) for f in files)
    other_seed = CharSynth(per_class={"train": 2, "val": 1}, seed=4).ensure(tmp_path)
    assert other_seed != root
    assert not np.array_equal(cv2.imread(str(root / files[0])), cv2.imread(str(other_seed / files[0])))
    assert synth.ensure(tmp_path) == root  # cached: same folder, nothing regenerated


def test_generator_refuses_unknown_font():
    with pytest.raises(LprError, match="unknown font"):
        CharSynth(fonts=["comic_sans"])


def assert_harvest_from_train_and_val_photos_only(photo_dir, tmp_path):
    """Harvests the characters of `photo_dir` (repeat=2) under the configured photo split: held-out photos give
    nothing; each used photo's characters land in the split `lpr.read subset=` reads it in; the character data module
    records the split and the photo folder. Returns the harvested root and the stems used per split."""
    split = photo_split()
    harvest = SynthAndHarvest(per_class={"train": 1, "val": 1}, segmenter=CharSegmenter(),
                              photo_dirs=[str(photo_dir)], split=split, repeat=2)
    root = harvest.ensure(tmp_path)
    splits = {}
    for path in root.glob("*/class_*/real_*.png"):  # real_{folder}_{stem}_{index}_{copy}
        splits.setdefault(path.parts[-3], set()).add("_".join(path.stem.split("_")[2:-2]))
    assert splits.get("train") and splits.get("val") and not splits.get("test")
    for share, stems in splits.items():
        assert {split.of(f"{stem}.jpg") for stem in stems} == {share}
    datamodule = CharDataModule(synth=harvest)
    assert datamodule.hparams.split_percent == split.percent and datamodule.hparams.split_salt == split.salt
    assert datamodule.hparams.roots == [str(photo_dir)]
    return root, splits


def test_harvest_takes_real_characters_from_train_and_val_photos_only(photo_folder, tmp_path):
    """Held-out photos give nothing; each used photo's characters land in the split `lpr.read subset=` reads it in."""
    root, splits = assert_harvest_from_train_and_val_photos_only(photo_folder, tmp_path)
    # every character of a used train photo, `repeat` times; of a val photo, once
    assert len(list(root.glob("train/class_*/real_*.png"))) == 2 * 7 * len(splits["train"])
    assert len(list(root.glob("val/class_*/real_*.png"))) == 7 * len(splits["val"])


def test_harvest_needs_the_photo_split(photo_folder):
    with pytest.raises(LprError, match="data.synth.split"):
        SynthAndHarvest(per_class={"train": 1}, photo_dirs=[str(photo_folder)])
