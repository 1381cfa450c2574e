"""The one image loader against the bad-input battery: every odd file is read or refused by name."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image

from lpr.core.errors import LprError
from lpr.core.images import EXIF_ORIENTATION, decode_image, decode_jpeg, is_image_file, read_image
from lpr.core.preprocess import chars_to_batch
from tests.conftest import clean_plate, synthetic_photo


def char_image() -> np.ndarray:
    """A generated character crop as seed-chars holds them: grey, dark ink on light."""
    from lpr.data.synth_chars import CharSynth

    return CharSynth(size=40).render("A", np.random.default_rng(0))


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def pil_jpeg(image: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", **options)
    return buffer.getvalue()


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"hello, I am text", "not a readable image"),
    (jpeg(char_image())[:300], "truncated JPEG"),
])
def test_unreadable_files_are_refused_by_name(tmp_path, content, message):
    path = tmp_path / "odd.jpg"
    path.write_bytes(content)
    with pytest.raises(LprError, match=f"odd.jpg: {message}"):
        read_image(path)


def test_missing_file_is_refused_by_name(tmp_path):
    with pytest.raises(LprError, match="nope.png: cannot read file"):
        read_image(tmp_path / "nope.png")


@pytest.mark.parametrize("make_image", [
    lambda gray: gray,                                                  # single channel
    lambda gray: gray.astype(np.uint16) * 257,                          # 16-bit
    lambda gray: cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA),               # 4 channels
])
def test_any_depth_and_channel_count_becomes_8bit_grey(tmp_path, make_image):
    gray = char_image()
    path = tmp_path / "char.png"
    cv2.imwrite(str(path), make_image(gray))
    loaded = read_image(path)
    assert loaded.dtype == np.uint8 and loaded.shape == gray.shape
    assert np.abs(loaded.astype(int) - gray).max() <= 1
    assert read_image(path, color=True).shape == (*gray.shape, 3)


def test_huge_image_is_read_and_formatted(tmp_path):
    path = tmp_path / "huge.png"
    cv2.imwrite(str(path), np.full((10000, 10000), 200, np.uint8))
    batch = chars_to_batch([read_image(path)], 28)
    assert batch.shape == (1, 1, 28, 28) and np.isfinite(batch).all()


def test_image_files_are_known_by_suffix():
    assert is_image_file("a.JPG") and is_image_file("b.png") and is_image_file("c.webp")
    assert not is_image_file("labels.csv") and not is_image_file("NAME.txt")


def exif_rotated_jpeg() -> bytes:
    """A colour JPEG whose EXIF says: rotate 90 degrees to view (orientation 6), as phone photos often do."""
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 60, 3), np.uint8))
    exif = image.getexif()
    exif[EXIF_ORIENTATION] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def upright_exif_jpeg() -> bytes:
    """A camera JPEG with EXIF that needs no turning (orientation 1)."""
    image = Image.fromarray(cv2.cvtColor(synthetic_photo(clean_plate("AB12345")[0], seed=1)[0], cv2.COLOR_BGR2RGB))
    exif = image.getexif()
    exif[EXIF_ORIENTATION] = 1
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=85)
    return buffer.getvalue()


def cmyk_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 60, 4), np.uint8), "CMYK").save(buffer, "JPEG")
    return buffer.getvalue()


PHOTO = synthetic_photo(clean_plate("FZB9581")[0], seed=0)[0]


@pytest.mark.parametrize("color", [True, False])
@pytest.mark.parametrize("name, data, fast", [
    ("photo.jpg", jpeg(PHOTO), True),                                   # OpenCV's encoder, 4:2:0
    ("photo-444.jpg", pil_jpeg(PHOTO[:, :, ::-1].copy(), subsampling=0, quality=95), True),
    ("progressive.jpg", pil_jpeg(PHOTO[:, :, ::-1].copy(), progressive=True), True),
    ("camera.jpg", upright_exif_jpeg(), True),
    ("char.jpg", jpeg(char_image()), True),                             # grey, as seed-chars' crops
    ("exif-rotated.jpg", exif_rotated_jpeg(), False),   # OpenCV applies the orientation: it decodes these
    ("cmyk.jpg", cmyk_jpeg(), False),
])
def test_jpegs_decode_to_opencvs_pixels(name, data, fast, color):
    expected = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR if color else cv2.IMREAD_GRAYSCALE)
    assert (decode_jpeg(data, color) is not None) == fast  # ordinary photos take the fast decoder
    assert np.array_equal(decode_image(data, name, color), expected)


def test_other_formats_decode_with_opencv():
    data = cv2.imencode(".png", PHOTO)[1].tobytes()
    assert np.array_equal(decode_image(data, "photo.png", color=True), PHOTO)
    assert decode_image(data, "photo.png").shape == PHOTO.shape[:2]
