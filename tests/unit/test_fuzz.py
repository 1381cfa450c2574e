"""Property-based fuzzing of the image path of lpr.read: whatever bytes or image arrive, no crash, no hang."""
import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lpr.core.alphabet import ALPHABET
from lpr.core.errors import LprError
from lpr.core.images import decode_image
from tests.conftest import compose_config

FUZZ = settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def reader(small_ckpt, tmp_path_factory):
    """The classic engine and the plate locator exactly as `lpr.read locate=auto` builds them."""
    from lpr.core.config import instantiate
    from lpr.reading.engines.load import load_engine

    cfg = compose_config("read", [f"ckpt_path={small_ckpt}", "input=unused"], tmp_path_factory.mktemp("fuzz"))
    return load_engine(small_ckpt, instantiate(cfg.segment)), instantiate(cfg.locate.locator)


def read_photo(reader, data: bytes):
    engine, locator = reader
    photo = decode_image(data, "fuzz", color=True)
    candidates = [photo[y:y + h, x:x + w] for x, y, w, h in locator.candidates(photo)]
    return engine.read_crops([photo, *candidates])


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_are_read_or_refused(reader, data):
    try:
        readings = read_photo(reader, data)
    except LprError:
        return
    assert all(set(reading.text) <= set(ALPHABET) for reading in readings)


@FUZZ
@given(height=st.integers(1, 600), width=st.integers(1, 600), channels=st.sampled_from([1, 3, 4]),
       kind=st.sampled_from(["noise", "flat", "bars"]), suffix=st.sampled_from([".png", ".jpg"]),
       seed=st.integers(0, 2**16))
def test_random_valid_images_of_random_sizes_are_read(reader, height, width, channels, kind, suffix, seed):
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels == 1 else (height, width, channels)
    if kind == "noise":
        image = rng.integers(0, 256, shape, dtype=np.uint8)
    elif kind == "flat":
        image = np.full(shape, rng.integers(0, 256), np.uint8)
    else:  # dark vertical strokes on light: character-like blobs for the segmenter
        image = np.full(shape, 220, np.uint8)
        image[:, ::max(1, width // 7)] = 20
    ok, encoded = cv2.imencode(suffix, image)
    assume(ok)
    readings = read_photo(reader, encoded.tobytes())
    assert len(readings) >= 1
    assert all(0.0 <= reading.confidence <= 1.0 for reading in readings)
