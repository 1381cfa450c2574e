"""Plate formats as a reading prior: look-alikes are resolved by position, in both engines."""
import re

import numpy as np
import pytest

from lpr.core.alphabet import ALPHABET, CHAR_TO_INDEX
from lpr.core.ctc_decode import ctc_greedy_decode
from lpr.core.errors import LprError
from lpr.core.formats import PlateFormats
from tests.conftest import compose_config

BRAZIL = PlateFormats(["AAA9999", "AAA9A99"])


def char_probabilities(*choices: dict[str, float]) -> np.ndarray:
    """(n, 36) rows: the given characters' probabilities, the rest spread evenly."""
    rows = np.zeros((len(choices), len(ALPHABET)))
    for row, choice in zip(rows, choices):
        row[:] = (1 - sum(choice.values())) / (len(ALPHABET) - len(choice))
        for char, p in choice.items():
            row[CHAR_TO_INDEX[char]] = p
    return rows


def text(classes) -> str:
    return "".join(ALPHABET[c] for c in classes)


def test_each_position_takes_the_best_class_it_allows():
    # reads "0BC12S4": the O is a zero to the eye, and the S a five
    probabilities = char_probabilities({"0": 0.6, "O": 0.35}, {"B": 0.9}, {"C": 0.9}, {"1": 0.9}, {"2": 0.9},
                                       {"S": 0.5, "5": 0.4}, {"4": 0.9})
    assert text(probabilities.argmax(1)) == "0BC12S4"
    assert text(BRAZIL.fit(probabilities)) == "OBC1254"
    # Mercosul's fifth position takes a letter, and wins where the letter is more probable than any digit
    mercosul = char_probabilities({"O": 0.9}, {"B": 0.9}, {"C": 0.9}, {"1": 0.9}, {"K": 0.8}, {"5": 0.9}, {"4": 0.9})
    assert text(BRAZIL.fit(mercosul)) == "OBC1K54"
    assert BRAZIL.fit(probabilities[:6]) is None  # no format of six characters: left as read
    assert BRAZIL.has_length(7) and not BRAZIL.has_length(6) and not PlateFormats([])


def test_bad_patterns_are_refused():
    with pytest.raises(LprError, match="AAA#999"):
        PlateFormats(["AAA#999"])
    with pytest.raises(LprError, match="''"):
        PlateFormats([""])
    with pytest.raises(LprError, match="'- '"):
        PlateFormats(["- "])


def test_separators_in_a_pattern_are_printed_not_read():
    probabilities = char_probabilities({"O": 0.9}, {"B": 0.9}, {"C": 0.9}, {"1": 0.6, "I": 0.4}, {"2": 0.9},
                                       {"5": 0.9}, {"4": 0.9})
    assert text(PlateFormats(["AAA-9999"]).fit(probabilities)) == text(BRAZIL.fit(probabilities))


def test_ctc_decoding_applies_formats_and_follows_the_confidence():
    blank = np.full(37, 0.02)
    blank[0] = 1 - 0.02 * 36
    columns = [blank]
    for choice in ({"8": 0.5, "B": 0.4}, {"A": 0.9}, {"B": 0.9}, {"1": 0.9}, {"2": 0.9}, {"3": 0.9}, {"4": 0.9}):
        column = np.concatenate([[0.0], char_probabilities(choice)[0]])
        columns += [column, blank]
    log_probs = np.log(np.stack(columns))[None]
    [(plain, plain_confidence, _)] = ctc_greedy_decode(log_probs)
    [(fitted, fitted_confidence, _)] = ctc_greedy_decode(log_probs, BRAZIL)
    assert (plain, fitted) == ("8AB1234", "BAB1234")
    assert fitted_confidence == pytest.approx(plain_confidence * 0.4 / 0.5)


def test_read_with_formats_gives_readings_of_the_format(small_ckpt, photo_folder, tmp_path):
    from lpr.cli.read import read

    cfg = compose_config("read", [f"ckpt_path={small_ckpt}", f"input={photo_folder}", "locate=box",
                                  "formats=br"], tmp_path / "run")
    read(cfg)
    rows = (tmp_path / "run" / "predictions.csv").read_text().splitlines()[1:]
    texts = [row.split(",")[1] for row in rows]
    assert all(re.fullmatch(r"[A-Z]{3}[0-9][A-Z0-9][0-9]{2}", t) for t in texts if len(t) == 7)
    assert sum(len(t) == 7 for t in texts) >= 2


def test_an_all_digit_pattern_from_the_command_line_is_a_pattern(tmp_path):
    cfg = compose_config("read", ["ckpt_path=x.ckpt", "input=x", "formats.patterns=[9999999,AAA9999]"], tmp_path)
    formats = PlateFormats(cfg.formats.patterns)  # Hydra reads 9999999 as an int
    assert formats.has_length(7) and len(formats.masks[7]) == 2
    assert text(formats.fit(char_probabilities(*[{"8": 0.6, "B": 0.3}] * 7))) == "8888888"
