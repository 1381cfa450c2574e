"""Plate data on the shared OpenALPR photos: folders are read in place and split by the configured photo split;
characters harvested from the train and val shares only."""
from tests.conftest import photo_split
from tests.integration.conftest import OPENALPR
from tests.unit.test_crnn import assert_split_into_crops_in_place
from tests.unit.test_data import assert_harvest_from_train_and_val_photos_only


def test_openalpr_folder_is_split_into_crops_in_place():
    sizes = assert_split_into_crops_in_place(OPENALPR / "eu", photo_split("train", ("experiment=crnn_plates",)))
    assert sum(sizes.values()) == len(list((OPENALPR / "eu").glob("*.txt")))


def test_harvest_takes_real_characters_from_train_and_val_photos_only(tmp_path):
    """Held-out photos give nothing; each used photo's characters land in the split `lpr.read subset=` reads it in."""
    assert_harvest_from_train_and_val_photos_only(OPENALPR / "eu", tmp_path)
