"""Re-lettered plates: the old characters are painted out and the new string is drawn where they stood. The
`assert_...` checks serve tests/integration/test_reletter.py too, on real Brazilian plates."""
import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from lpr.core.config import instantiate
from lpr.core.errors import LprError
from lpr.data.plates import PlateDataModule, plate_split
from lpr.data.reletter import ReletteredCrops, blank_plate
from lpr.data.samples import load_plate_samples
from lpr.data.synth_plates import PlateSynth
from lpr.vision.segment import CharSegmenter
from tests.conftest import compose_config, photo_split

# One font, one width and one pattern without separators: every drawn character is one blob of the row.
PLAIN = dict(patterns=["AAA9999"], fonts=["dejavu_sans_bold"], width_scale=(0.8, 0.8), gap=(0.2, 0.2))


def relettered(photo_folder, seed: int = 0) -> ReletteredCrops:
    samples, _ = load_plate_samples(photo_folder)
    return ReletteredCrops(samples, 32, 128, PlateSynth(**PLAIN), CharSegmenter(), seed=seed)


def assert_old_characters_painted_out(crops: ReletteredCrops) -> int:
    """Where a plate blanks, its old row is painted out: far flatter than in its own photo. Returns how many did."""
    blanked = 0
    for (original, box), sample in zip(crops.crops, crops.samples):  # each blank beside its own photo
        blank = blank_plate(original, box, sample.text, CharSegmenter(), mask_pad=0.1)
        if blank is not None:
            blanked += 1
            x, y, w, h = blank.row
            assert blank.image[y:y + h, x:x + w].std() < 0.6 * original[y:y + h, x:x + w].std()
    assert blanked == len(crops.blanks)
    return blanked


def assert_new_string_drawn_in_the_old_row(crops: ReletteredCrops):
    """Each example is a fresh AAA9999 label drawn one blob per character, in the old row's band, inside the plate."""
    for index, blank in enumerate(crops.blanks):
        crop, text = crops.example(index)  # no box jitter: the crop is the plate box
        assert len(text) == 7 and text[:3].isalpha() and text[3:].isdigit()
        bx, by, bw, bh = blank.box
        change = cv2.absdiff(crop, blank.image[by:by + bh, bx:bx + bw])
        drawn = cv2.threshold(change, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
        count, _, stats, _ = cv2.connectedComponentsWithStats(drawn)
        heights = stats[1:count, cv2.CC_STAT_HEIGHT]
        assert (heights >= heights.max() / 2).sum() == len(text)  # one blob per character drawn
        ys, xs = np.nonzero(drawn)
        x, y, w, h = blank.row
        assert y - 2 <= by + ys.min() and by + ys.max() <= y + h + 2  # in the old row's band
        assert 0 < xs.min() and xs.max() < bw - 1  # inside the plate


def assert_draws_repeat_with_the_seed(relettered_with_seed):
    """`relettered_with_seed(seed)` re-letters the same plates: one seed draws alike, another draws otherwise."""
    first, again, other = relettered_with_seed(3), relettered_with_seed(3), relettered_with_seed(4)
    texts = [[crops.example(i)[1] for i in range(len(crops))] for crops in (first, again, other)]
    assert texts[0] == texts[1] != texts[2]
    assert np.array_equal(first.example(0)[0], again.example(0)[0])


def relettered_data_module(root, split, tmp_path):
    """A plate data module of 4 generated train plates and the photos of `root`, each re-lettered 3 times an epoch:
    checks what every layer shares and returns its real and re-lettered train sets."""
    synth = PlateSynth(count={"train": 4, "val": 3, "test": 2}, seed=1)
    datamodule = PlateDataModule(synth=synth, roots=[str(root)], split=split, real_repeat=1, reletter_repeat=3,
                                 cache_dir=str(tmp_path))
    datamodule.setup("fit")
    train = datamodule.datasets["train"]
    real, relettered_set = train.datasets[1:3]
    assert len(train) == 4 + len(real) + 3 * len(relettered_set)
    assert relettered_set.crops is real.crops  # the photos are decoded once
    image, text = train[len(train) - 1]
    assert image.shape == (32, 128) and text.isalnum()
    return real, relettered_set


def test_the_old_characters_are_painted_out(photo_folder):
    crops = relettered(photo_folder)
    # every clean plate segments into its label's 7 characters
    assert assert_old_characters_painted_out(crops) == len(crops.samples)


def test_a_plate_that_does_not_segment_into_its_label_is_left_out(photo_folder):
    (original, box), sample = relettered(photo_folder).crops[0], load_plate_samples(photo_folder)[0][0]
    assert blank_plate(original, box, sample.text + "X", CharSegmenter(), mask_pad=0.1) is None


def test_the_new_string_is_drawn_in_the_old_row_and_is_the_label(photo_folder):
    assert_new_string_drawn_in_the_old_row(relettered(photo_folder))


def test_draws_repeat_with_the_seed(photo_folder):
    assert_draws_repeat_with_the_seed(lambda seed: relettered(photo_folder, seed))


def test_the_data_module_adds_them_per_epoch_and_needs_a_generator(photo_folder, tmp_path):
    synth = PlateSynth(count={"train": 4, "val": 3, "test": 2}, seed=1)
    split = photo_split("train", ("experiment=crnn_plates",))
    assert plate_split(photo_folder, "train", split)  # the photos of the train share are re-lettered
    real, relettered_set = relettered_data_module(photo_folder, split, tmp_path)
    assert len(real) == len(plate_split(photo_folder, "train", split)) == len(relettered_set)
    with pytest.raises(LprError, match="reletter_repeat"):
        PlateDataModule(roots=[str(photo_folder)], split=split, reletter_repeat=2)
    with pytest.raises(ValidationError, match="reletter_repeat"):
        PlateDataModule(synth=synth, roots=[str(photo_folder)], split=split, reletter_repeat=-1)


@pytest.mark.parametrize("setting", [{"mask_pad": -0.1}, {"width_range": (1.2, 0.8)}, {"width_range": (0, 1)},
                                     {"edge_room": 0.5}])
def test_bad_settings_are_refused_by_name(setting):
    with pytest.raises(ValidationError, match=next(iter(setting))):
        ReletteredCrops([], 32, 128, PlateSynth(**PLAIN), **setting)


def test_its_settings_come_from_the_config(tmp_path):
    cfg = compose_config("train", ["experiment=crnn_plates", "data.reletter_repeat=2", "data.reletter.edge_room=0.3",
                                   "data.reletter.segmenter.threshold=adaptive"], tmp_path)
    datamodule = instantiate(cfg.data)
    assert datamodule.hparams.reletter_repeat == 2 and datamodule.reletter.keywords["edge_room"] == 0.3
    assert datamodule.reletter.keywords["segmenter"] == CharSegmenter(threshold="adaptive")
