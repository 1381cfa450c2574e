"""The image loader on the shared data's real files: camera JPEGs and seed-chars crops take the fast decoder and
give OpenCV's pixels; a truncated real JPEG is refused by name."""
import cv2
import numpy as np
import pytest

from lpr.core.errors import LprError
from lpr.core.images import decode_image, decode_jpeg, read_image
from tests.integration.conftest import OPENALPR, SEED_CHARS


def real_files():
    return [next((OPENALPR / region).glob("*.jpg")) for region in ("us", "eu", "br")] + \
        [next((SEED_CHARS / "val" / "class_A").glob("*.jpg"))]


@pytest.mark.parametrize("color", [True, False])
@pytest.mark.parametrize("index", range(4), ids=["us", "eu", "br", "seed-chars"])
def test_real_jpegs_decode_fast_to_opencvs_pixels(index, color):
    data = real_files()[index].read_bytes()
    expected = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR if color else cv2.IMREAD_GRAYSCALE)
    assert decode_jpeg(data, color) is not None  # real photos take the fast decoder
    assert np.array_equal(decode_image(data, real_files()[index].name, color), expected)


def test_a_truncated_real_jpeg_is_refused_by_name(tmp_path):
    path = tmp_path / "odd.jpg"
    path.write_bytes(real_files()[0].read_bytes()[:3000])
    with pytest.raises(LprError, match="odd.jpg: truncated JPEG"):
        read_image(path)

