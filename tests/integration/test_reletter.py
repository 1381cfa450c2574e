"""Re-lettered real plates: the old characters are painted out of real Brazilian plates and the new string is drawn
where they stood."""
import cv2
import numpy as np
import pytest

from lpr.data.plates import PlateDataModule, plate_split
from lpr.data.reletter import ReletteredCrops, blank_plate
from lpr.data.synth_plates import PlateSynth
from lpr.vision.segment import CharSegmenter
from tests.conftest import photo_split
from tests.integration.conftest import OPENALPR

# One font, one width and one pattern without separators: every drawn character is one blob of the row.
PLAIN = dict(patterns=["AAA9999"], fonts=["dejavu_sans_bold"], width_scale=(0.8, 0.8), gap=(0.2, 0.2))


@pytest.fixture(scope="module")
def split():
    return photo_split("train", ("experiment=crnn_plates",))  # the plate experiment's split, which re-letters


def relettered(split, seed: int = 0) -> ReletteredCrops:
    samples = plate_split(OPENALPR / "br", "train", split)[:20]
    return ReletteredCrops(samples, 32, 128, PlateSynth(**PLAIN), CharSegmenter(), seed=seed)


def test_the_old_characters_are_painted_out(split):
    crops = relettered(split)
    assert len(crops.blanks) >= 12  # most Brazilian plates segment into their label's 7 characters
    for (original, box), sample in zip(crops.crops, crops.samples):  # each blank beside its own photo
        blank = blank_plate(original, box, sample.text, CharSegmenter(), mask_pad=0.1)
        if blank is not None:
            x, y, w, h = blank.row
            assert blank.image[y:y + h, x:x + w].std() < 0.6 * original[y:y + h, x:x + w].std()


def test_the_new_string_is_drawn_in_the_old_row_and_is_the_label(split):
    crops = relettered(split)
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


def test_draws_repeat_with_the_seed(split):
    first, again, other = relettered(split, 3), relettered(split, 3), relettered(split, 4)
    texts = [[crops.example(i)[1] for i in range(len(crops))] for crops in (first, again, other)]
    assert texts[0] == texts[1] != texts[2]
    assert np.array_equal(first.example(0)[0], again.example(0)[0])


def test_the_data_module_adds_them_per_epoch(split, tmp_path):
    synth = PlateSynth(count={"train": 4, "val": 3, "test": 2}, seed=1)
    datamodule = PlateDataModule(synth=synth, roots=[str(OPENALPR / "br")], split=split, real_repeat=1,
                                 reletter_repeat=3, cache_dir=str(tmp_path))
    datamodule.setup("fit")
    real, relettered_set = datamodule.datasets["train"].datasets[1:3]
    assert len(datamodule.datasets["train"]) == 4 + len(real) + 3 * len(relettered_set)
    assert 0 < len(relettered_set) <= len(real)
    assert relettered_set.crops is real.crops  # the photos are decoded once
    image, text = datamodule.datasets["train"][len(datamodule.datasets["train"]) - 1]
    assert image.shape == (32, 128) and text.isalnum()
