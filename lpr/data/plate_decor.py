"""What a plate carries besides its registration, for the plate generator: region names and slogans, emblems and
pictograms, country-band codes. Readers must learn to leave all of it out."""
import cv2
import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.data.synth_chars import GLYPH_HEIGHT, HERSHEY_FONTS

LETTERS = ALPHABET[10:]
# Words of the kind printed above and below the registration; they are clutter, never part of the label.
REGION_WORDS = ["CALIFORNIA", "TEXAS", "NEW YORK", "Florida", "ILLINOIS", "Ohio", "ARIZONA", "Nevada",
                "PENNSYLVANIA", "New Jersey", "GEORGIA", "Virginia", "MICHIGAN", "Colorado", "WASHINGTON",
                "Sunshine State", "Land of Lincoln", "Empire State", "Grand Canyon State", "dmv.ca.gov",
                "SAO PAULO", "RIO DE JANEIRO", "BRASIL", "CURITIBA", "DF - BRASILIA", "MG - BELO HORIZONTE",
                "COUNTY", "LIVE FREE OR DIE", "EXPIRES", "2019", "VETERAN", "Kentucky", "Minnesota"]
BAND_CODES = ["D", "F", "GB", "NL", "I", "E", "PL", "B", "A", "CZ", "BR", "P"]
# Country lines of the band across the top of Mercosur plates.
TOP_BAND_WORDS = ["BRASIL", "REPUBLICA ARGENTINA", "ARGENTINA", "MERCOSUL", "MERCOSUR", "URUGUAY", "PARAGUAY"]


def eu_band(plate: np.ndarray, width: int, rng: np.random.Generator):
    """An EU-style band over the plate's left `width` columns: blue, the ring of twelve yellow stars in its upper
    half and a country code below. Seen grey and small, the ring reads as a Q or an O: readers must learn to leave
    it out."""
    height = plate.shape[0]
    plate[:, :width] = rng.uniform([120, 0, 0], [200, 80, 60])
    centre, radius = np.array([width / 2, height * rng.uniform(0.25, 0.35)]), width * rng.uniform(0.25, 0.35)
    star = max(1, round(radius * 0.18))
    for angle in np.arange(12) * np.pi / 6:
        x, y = centre + radius * np.array([np.cos(angle), np.sin(angle)])
        cv2.circle(plate, (round(x), round(y)), star, (0, 200, 255), -1, cv2.LINE_AA)
    code = BAND_CODES[rng.integers(len(BAND_CODES))]
    cv2.putText(plate, code, (2, height - 6), cv2.FONT_HERSHEY_SIMPLEX,
                cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, width // (len(code) + 1) + 4, 2),
                (255, 255, 255), 2, cv2.LINE_AA)


def emblem(rng: np.random.Generator, height_range: tuple[float, float], figure_p: float) -> np.ndarray:
    """A state outline, logo or pictogram: a random filled or outlined shape, or a stick figure (a head and a
    few strokes, like a wheelchair sign, with chance `figure_p`), `height_range` of the characters' height
    and often fainter (uint8 ink, GLYPH_HEIGHT tall). Readers misread such ink as I, J or 1: it teaches
    them to leave it out."""
    height = round(GLYPH_HEIGHT * rng.uniform(*height_range))
    width = round(height * rng.uniform(0.6, 1.3))
    piece = np.zeros((GLYPH_HEIGHT, width + 8), np.uint8)
    centre = np.array([piece.shape[1] / 2, GLYPH_HEIGHT / 2 + rng.uniform(-0.1, 0.1) * GLYPH_HEIGHT])
    angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(4, 10))))
    radii = rng.uniform(0.6, 1.0, len(angles))[:, None] * [width / 2, height / 2]
    outline = (centre + radii * np.stack([np.cos(angles), np.sin(angles)], 1)).round().astype(np.int32)
    intensity = int(rng.uniform(90, 255))
    if figure_p and rng.random() < figure_p:
        thickness = max(2, round(height * rng.uniform(0.08, 0.16)))
        cv2.circle(piece, tuple(outline[0]), thickness + 1, intensity, -1, cv2.LINE_AA)
        for start, end in zip(outline[:-1], outline[1:]):
            cv2.line(piece, tuple(start), tuple(end), intensity, thickness, cv2.LINE_AA)
    elif rng.random() < 0.7:
        cv2.fillPoly(piece, [outline], intensity, cv2.LINE_AA)
    else:
        cv2.polylines(piece, [outline], True, intensity, max(2, height // 10), cv2.LINE_AA)
    return piece


def region_text(plate: np.ndarray, y0: int, y1: int, x0: int, ink: np.ndarray, rng: np.random.Generator):
    """A state name, slogan or random word centred in the band between rows y0 and y1."""
    words = REGION_WORDS[rng.integers(len(REGION_WORDS))] if rng.random() < 0.7 else \
        "".join(rng.choice(list(LETTERS + " "), int(rng.integers(3, 14))))
    font = list(HERSHEY_FONTS.values())[rng.integers(len(HERSHEY_FONTS))] if rng.random() < 0.7 \
        else cv2.FONT_HERSHEY_SCRIPT_SIMPLEX
    thickness = int(rng.integers(1, 4))
    height = max(4, round((y1 - y0) * rng.uniform(0.4, 0.85)))
    scale = cv2.getFontScaleFromHeight(font, height, thickness)
    (width, _), _ = cv2.getTextSize(words, font, scale, thickness)
    room = plate.shape[1] - x0
    if width > room:
        scale *= room / width
        width = room
    x = x0 + int(rng.integers(0, room - width + 1))
    colour = ink if rng.random() < 0.5 else rng.uniform(0, 255, 3)
    cv2.putText(plate, words, (x, y0 + (y1 - y0 + height) // 2), font, scale, colour.tolist(), thickness,
                cv2.LINE_AA)


def top_band(plate: np.ndarray, height: int, rng: np.random.Generator):
    """A Mercosur-style band across the top `height` rows: blue, a country line in white, a flag at the right."""
    plate[:height] = rng.uniform([120, 40, 0], [200, 100, 40])
    words = TOP_BAND_WORDS[rng.integers(len(TOP_BAND_WORDS))]
    flag_w = round(height * 1.4)
    room = plate.shape[1] - flag_w - 4
    scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, max(3, round(height * 0.55)), 1)
    (width, _), _ = cv2.getTextSize(words, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    scale *= min(1.0, room / max(1, width))
    cv2.putText(plate, words, (max(2, (room - min(width, room)) // 2), round(height * 0.78)),
                cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    plate[round(height * 0.15):round(height * 0.85), -flag_w - 2:-2] = rng.uniform(0, 255, 3)
