"""How a generated plate looks and how it is lit: colour schemes, wear, hand-drawn wobble, glare and shadow.

Real plates differ far more in these than in their characters: a reader that has seen only dark-on-white plates
in even light reads faded grey plates, light-on-dark plates and sun-struck ones badly. Each scheme is one family
of plates (`dark_on_light` white and pale tints, `light_on_dark`, `grey_faded` old low-contrast plates, `yellow`,
`reflective` sheeting with a specular band, `dirty` grime), drawn with the weight the config gives it.
"""
import cv2
import numpy as np

SCHEMES = ("dark_on_light", "light_on_dark", "grey_faded", "yellow", "reflective", "dirty")


def plate_colours(scheme: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Background and ink colours (BGR float) of a plate of `scheme`."""
    dark = rng.uniform(0, 90, 3)
    if scheme == "light_on_dark":
        return dark * 0.7, rng.uniform(170, 255, 3)
    if scheme == "grey_faded":
        background = rng.uniform(110, 200) + rng.uniform(-12, 12, 3)
        contrast = rng.uniform(30, 90)
        ink = background - contrast if rng.random() < 0.75 else background + contrast
        return background, np.clip(ink, 0, 255)
    if scheme == "yellow":
        return np.array([rng.uniform(0, 90), rng.uniform(170, 235), rng.uniform(200, 255)]), dark
    light = rng.uniform(150, 255, 3)
    light[rng.integers(3)] = rng.uniform(200, 255)  # white, pale yellow, pale blue and the like
    return light, dark


def wear(plate: np.ndarray, scheme: str, rng: np.random.Generator) -> np.ndarray:
    """The finished plate face (BGR uint8) with its scheme's surface: a specular band on reflective sheeting,
    blotches of grime on a dirty plate; other schemes unchanged."""
    if scheme not in ("reflective", "dirty"):
        return plate
    height, width = plate.shape[:2]
    face = plate.astype(np.float32)
    if scheme == "reflective":
        angle = rng.uniform(0, np.pi)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        distance = (xs - rng.uniform(0, width)) * np.cos(angle) + (ys - rng.uniform(0, height)) * np.sin(angle)
        band = np.exp(-0.5 * (distance / (rng.uniform(0.1, 0.4) * height)) ** 2)
        face += band[..., None] * rng.uniform(60, 180)
        face += rng.normal(0, rng.uniform(2, 8), (height, width, 1))  # the sheeting's glass beads
    else:
        grid = rng.uniform(0, 1, (max(2, height // 12), max(2, width // 12))).astype(np.float32)
        grime = cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1) ** 2
        tint = rng.uniform([20, 40, 50], [60, 80, 90])  # brown-grey road dirt
        strength = rng.uniform(0.3, 0.8)
        face += grime[..., None] * strength * (tint - face)
    return np.clip(face, 0, 255).astype(np.uint8)


def wobble(ink: np.ndarray, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """The ink mask displaced by a smooth random field of up to `amplitude` pixels: the uneven strokes of
    stamped, hand-painted or worn characters, which no font draws."""
    if amplitude <= 0:
        return ink
    height, width = ink.shape
    cells = (max(2, width // 32), max(2, height // 32))  # a control point about every half character

    def field():
        return cv2.resize(rng.uniform(-amplitude, amplitude, cells[::-1]).astype(np.float32), (width, height),
                          interpolation=cv2.INTER_CUBIC)

    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(ink, xs + field(), ys + field(), cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def glare(scene: np.ndarray, box: tuple[float, float, float, float], rng: np.random.Generator) -> None:
    """Add, in place, a bright elliptical highlight centred somewhere on the plate's box (x0, y0, x1, y1) of a
    float scene: sun or headlights on the plate, which washes characters out."""
    x0, y0, x1, y1 = box
    height, width = scene.shape[:2]
    cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
    sx, sy = (x1 - x0) * rng.uniform(0.08, 0.4), (y1 - y0) * rng.uniform(0.3, 1.0)
    ys, xs = np.ogrid[0:height, 0:width]
    blob = np.exp(-0.5 * (((xs - cx) / sx) ** 2 + ((ys - cy) / sy) ** 2)).astype(np.float32)
    scene += blob[..., None] * rng.uniform(80, 230)


def shadow(scene: np.ndarray, rng: np.random.Generator) -> None:
    """Darken, in place, one side of a random straight edge across a float scene, with a soft edge: the shadow
    of a bumper, a tree or the car beside, which splits a plate into two exposures."""
    height, width = scene.shape[:2]
    angle = rng.uniform(0, np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    side = ((xs - rng.uniform(0, width)) * np.cos(angle) + (ys - rng.uniform(0, height)) * np.sin(angle)) > 0
    softness = max(0.5, rng.uniform(0.005, 0.05) * height)
    mask = cv2.GaussianBlur(side.astype(np.float32), (0, 0), softness)
    scene *= 1 - mask[..., None] * rng.uniform(0.3, 0.7)
