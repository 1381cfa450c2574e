"""What a generated street scene is drawn with (lpr.data.synth_scenes): a plate face pasted in perspective, a car
around it, a road, and clutter that is no plate; flat OpenCV shapes, each from the scene's random generator."""
import cv2
import numpy as np

from lpr.core.alphabet import ALPHABET
from lpr.data.synth_chars import HERSHEY_FONTS


def plate_box(quad: np.ndarray, width: int, height: int) -> np.ndarray:
    """The box x0, y0, x1, y1 around a plate's corners, clipped to the scene."""
    return np.concatenate([quad.min(0), quad.max(0)]).clip(0, [width, height, width, height])


def overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def paste(scene: np.ndarray, face: np.ndarray, quad: np.ndarray):
    """Warp a plate face onto the scene so that its corners land on `quad`; the pixels the edges cross blend with
    the scene, and no pixel outside the quad's box changes.

    The face is first shrunk with INTER_AREA to its longest edges' size in the scene, so that small plates do not
    alias, nor a face pixel spread over more than one scene pixel.
    """
    edges = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)  # top, right, bottom, left
    shrink = min(1.0, max(max(edges[0], edges[2]) / face.shape[1], max(edges[1], edges[3]) / face.shape[0]))
    face = cv2.resize(face, (max(2, round(face.shape[1] * shrink)), max(2, round(face.shape[0] * shrink))),
                      interpolation=cv2.INTER_AREA)
    box = plate_box(quad, scene.shape[1], scene.shape[0])
    (x0, y0), (x1, y1) = np.floor(box[:2]).astype(int), np.ceil(box[2:]).astype(int)
    face_h, face_w = face.shape[:2]
    source = np.array([[0, 0], [face_w, 0], [face_w, face_h], [0, face_h]], np.float32)
    # Corners and boxes count pixel edges (pixel i spans i to i + 1); OpenCV warps pixel centres, half a pixel in.
    warp = cv2.getPerspectiveTransform(source - 0.5, (quad - 0.5 - [x0, y0]).astype(np.float32))
    region = scene[y0:y1, x0:x1].copy()  # OpenCV writes into a contiguous array only
    cv2.warpPerspective(face, warp, (x1 - x0, y1 - y0), dst=region, borderMode=cv2.BORDER_TRANSPARENT)
    scene[y0:y1, x0:x1] = region


def car(scene: np.ndarray, box: np.ndarray, rng: np.random.Generator):
    """A car's back (or front) around a plate's box: body, window, lights, bumper and wheels, all flat colours."""
    x0, y0, x1, y1 = box
    plate_w, plate_h, centre = x1 - x0, y1 - y0, (x0 + x1) / 2
    half_w = plate_w * rng.uniform(1.2, 2.6)
    top, bottom = y0 - plate_h * rng.uniform(2.0, 6.0), y1 + plate_h * rng.uniform(1.0, 2.5)
    body = rng.uniform(0, 255, 3) * (rng.uniform(0.2, 1.0) if rng.random() < 0.5 else 1.0)
    darker = (body * rng.uniform(0.2, 0.6)).tolist()
    left, right = int(centre - half_w), int(centre + half_w)
    wheel = (int(half_w * 0.25), int(plate_h * 0.8))
    for x in (left + wheel[0], right - wheel[0]):
        cv2.ellipse(scene, (x, int(bottom)), wheel, 0, 0, 360, rng.uniform(0, 40, 3).tolist(), -1)
    cv2.rectangle(scene, (left, int(top)), (right, int(bottom)), body.tolist(), -1)
    window_bottom = int(top + (y0 - top) * rng.uniform(0.4, 0.7))
    cv2.rectangle(scene, (int(left + half_w * 0.2), int(top + plate_h * 0.3)),
                  (int(right - half_w * 0.2), window_bottom), rng.uniform(10, 90, 3).tolist(), -1)
    light = [rng.uniform(0, 60), rng.uniform(0, 120), rng.uniform(150, 255)]  # red to amber (BGR)
    light_top, light_bottom = int(y0 - plate_h * rng.uniform(0.5, 2.0)), int(y0 + plate_h * 0.3)
    for x in (left, right - int(half_w * 0.35)):
        cv2.rectangle(scene, (x, light_top), (x + int(half_w * 0.35), light_bottom), light, -1)
    bumper_top = int(y1 + plate_h * rng.uniform(0.1, 0.5))
    cv2.rectangle(scene, (left, bumper_top), (right, int(bumper_top + plate_h * rng.uniform(0.3, 1.0))),
                  darker, -1)


def road(scene: np.ndarray, rng: np.random.Generator):
    """Asphalt below a horizon, a kerb and lane lines converging on a vanishing point."""
    height, width = scene.shape[:2]
    horizon = int(height * rng.uniform(0.3, 0.7))
    asphalt = rng.uniform(40, 130) + rng.normal(0, rng.uniform(2, 12), (height - horizon, width, 1))
    scene[horizon:] = np.clip(asphalt + rng.uniform(-8, 8, 3), 0, 255).astype(np.uint8)
    vanishing = (int(rng.uniform(0, width)), horizon)
    kerb = rng.uniform(120, 220, 3).tolist()
    cv2.line(scene, vanishing, (int(rng.uniform(-width, 0)), height), kerb, int(rng.integers(4, 20)))
    paint = [255, 255, 255] if rng.random() < 0.7 else [0, 200, 230]  # white or yellow (BGR)
    for _ in range(int(rng.integers(1, 4))):
        cv2.line(scene, vanishing, (int(rng.uniform(0, 2 * width)), height), paint, int(rng.integers(2, 10)))


def clutter(scene: np.ndarray, rng: np.random.Generator):
    """One shape that is no plate: a car-like block, a bumper bar, a wheel or lamp, a pole or line, lettering, or a
    car whose plate is not in sight."""
    height, width = scene.shape[:2]
    colour = (rng.uniform(0, 255, 3) * (rng.uniform(0.1, 0.5) if rng.random() < 0.5 else 1.0)).tolist()
    x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
    kind = rng.integers(6)
    if kind == 0:
        size = rng.uniform([0.05, 0.05], [0.4, 0.3]) * [width, height]
        cv2.rectangle(scene, (x, y), (x + int(size[0]), y + int(size[1])), colour, -1)
    elif kind == 1:
        cv2.line(scene, (x, y), (x + int(rng.uniform(0.1, 0.5) * width), y + int(rng.integers(-5, 6))), colour,
                 int(rng.integers(4, 30)))
    elif kind == 2:
        axes = (int(rng.uniform(0.01, 0.08) * width), int(rng.uniform(0.01, 0.08) * width))
        cv2.ellipse(scene, (x, y), axes, rng.uniform(0, 180), 0, 360, colour, -1)
    elif kind == 3:
        cv2.line(scene, (x, y), (int(rng.uniform(0, width)), int(rng.uniform(0, height))), colour,
                 int(rng.integers(1, 12)))
    elif kind == 4:
        plate_w = rng.uniform(0.03, 0.3) * width
        car(scene, np.array([x, y, x + plate_w, y + plate_w * rng.uniform(0.2, 0.5)]), rng)
    else:
        fonts = list(HERSHEY_FONTS.values())
        text = "".join(ALPHABET[i] for i in rng.integers(len(ALPHABET), size=int(rng.integers(2, 10))))
        cv2.putText(scene, text, (x, y), fonts[rng.integers(len(fonts))], rng.uniform(0.4, 2.5), colour,
                    int(rng.integers(1, 5)), cv2.LINE_AA)
