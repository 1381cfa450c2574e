"""Generated street scenes with plates for the plate detector, so that it trains with no unlicensed photos.

A scene is a background (colour gradients, noise textures, a road with kerb and lane lines, clutter of car-like
rectangles, bumpers, wheels and lettering that is no plate; or one of the photos that installed packages ship, such
as matplotlib's sample photos) with 0 to a few plates of the plate generator (lpr.data.synth_plates), each warped by
a random perspective homography, often on a car-like body; then the camera: brightness and contrast, blur, noise and
JPEG. Every plate comes with its four corners and the box around them. Each scene is deterministic from
(seed, split, index); a split is cached on disk as JPEGs with `boxes.csv` (`image,x,y,w,h`, one row a plate, an
empty box for a scene without plates) and `corners.csv` (`image,x1,y1,...,x4,y4`, clockwise from the plate's top
left), once per settings hash.
"""
import csv
from dataclasses import asdict, field
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, NamedTuple

import cv2
import matplotlib
import numpy as np
from pydantic import NonNegativeFloat, NonNegativeInt, PositiveInt, field_validator
from pydantic.dataclasses import dataclass

from lpr.core.config import PositiveRange
from lpr.core.errors import LprError
from lpr.core.images import read_image
from lpr.data.scene_drawing import car, clutter, overlap, paste, plate_box, road
from lpr.data.synth_chars import CachedGenerator
from lpr.data.synth_plates import PlateSynth

SAMPLE_PHOTOS = Path(matplotlib.get_data_path()) / "sample_data"  # shipped under matplotlib's licence
PLACEMENT_TRIES = 20  # positions tried for a plate before the scene goes without it (no plate hides another)


class Scene(NamedTuple):
    """A generated scene (BGR uint8), its plates' corners (k, 4, 2) clockwise from top left, their boxes (k, 4)
    x0, y0, x1, y1 clipped to the scene, and the JPEG quality to save it at. Coordinates count pixel edges, as
    boxes.csv and albumentations do: pixel (0, 0) spans 0 to 1."""
    image: np.ndarray
    corners: np.ndarray
    boxes: np.ndarray
    jpeg_quality: int


@lru_cache(maxsize=None)
def background_photo(path: str) -> np.ndarray:
    """A background photo, decoded once per process."""
    return read_image(path, color=True)


@dataclass
class SceneSynth(CachedGenerator):
    """Settings of the scene generator; `ensure(cache_dir)` returns a root with `{split}/boxes.csv`.

    `plates` draws the plate faces (its registration and plate face settings; its crop and capture ones are unused).
    """

    cache_prefix: ClassVar[str] = "synth-scenes"
    drawn_by: ClassVar[tuple[str, ...]] = ("lpr.data.synth_scenes", *PlateSynth.drawn_by)

    plates: PlateSynth = field(default_factory=PlateSynth)
    count: dict[str, NonNegativeInt] = field(default_factory=lambda: {"train": 5000, "val": 200, "test": 200})
    seed: int = 0
    # (width range, height range) in pixels
    size: tuple[tuple[PositiveInt, PositiveInt], tuple[PositiveInt, PositiveInt]] = ((480, 1024), (360, 768))
    # weights of 0, 1, 2, ... plates in a scene: its length sets the most
    plates_per_scene: list[NonNegativeFloat] = field(default_factory=lambda: [0.1, 0.6, 0.2, 0.07, 0.03])
    plate_width: PositiveRange = (0.03, 0.4)  # fraction of the scene width, log-uniform: small plates as often as big
    max_outside: NonNegativeFloat = 0.25  # the most of a plate's box width or height that may lie outside the scene
    tilt: NonNegativeFloat = 0.35  # a plate seen from aside or above: its far edge up to this fraction shorter
    perspective: NonNegativeFloat = 0.04  # further corner displacement, fraction of plate width and height
    max_rotation: NonNegativeFloat = 10.0  # degrees
    car_p: NonNegativeFloat = 0.7  # chance that a plate sits on a car-like body (rear window, lights, bumper, wheels)
    photos: list[str] = field(default_factory=lambda: ["grace_hopper.jpg", "Minduka_Present_Blue_Pack.png",
                                                       "logo2.png"])  # in matplotlib's sample_data, or image paths
    photo_p: NonNegativeFloat = 0.2  # chance of a photo background, else a procedural one
    road_p: NonNegativeFloat = 0.5  # chance of a road with kerb and lane lines across the lower part
    clutter: tuple[NonNegativeInt, NonNegativeInt] = (3, 15)  # shapes and lettering over the background
    brightness: tuple[float, float] = (-40.0, 40.0)  # added to every pixel
    contrast: PositiveRange = (0.6, 1.3)  # factor about the scene's mean
    blur_sigma: tuple[NonNegativeFloat, NonNegativeFloat] = (0.0, 1.2)
    noise_sigma: tuple[NonNegativeFloat, NonNegativeFloat] = (0.0, 8.0)
    jpeg_quality: tuple[PositiveInt, PositiveInt] = (35, 95)

    @field_validator("plates_per_scene")
    @classmethod
    def some_weight(cls, weights: list[float]) -> list[float]:
        if not sum(weights):
            raise ValueError("needs the weights of 0, 1, 2, ... plates a scene, not all 0")
        return weights

    @field_validator("max_outside")
    @classmethod
    def mostly_inside(cls, max_outside: float) -> float:
        if max_outside >= 0.5:
            raise ValueError("must be < 0.5: a plate's box stays mostly inside its scene")
        return max_outside

    def __post_init__(self):
        self.count = {str(split): int(n) for split, n in self.count.items()}  # plain dict: it is part of the key
        missing = [p for p in self.photos if not self.photo_path(p).is_file()]
        if missing:
            raise LprError(f"data.synth.photos: not found {missing}; give names in {SAMPLE_PHOTOS} or image paths")

    @staticmethod
    def photo_path(photo: str) -> Path:
        return SAMPLE_PHOTOS / photo if (SAMPLE_PHOTOS / photo).is_file() else Path(photo)

    def generate(self, root: Path) -> dict:
        for folder, drawn in self.render_splits(root, self.write_scene, chunksize=20):
            with open(folder / "boxes.csv", "w", newline="") as boxes, \
                    open(folder / "corners.csv", "w", newline="") as corners:
                box_rows, corner_rows = csv.writer(boxes), csv.writer(corners)
                box_rows.writerow(["image", "x", "y", "w", "h"])
                corner_rows.writerow(["image", *(f"{axis}{k}" for k in range(1, 5) for axis in "xy")])
                for i, (scene_boxes, scene_corners) in enumerate(drawn):
                    name = f"{i:06d}.jpg"
                    box_rows.writerows([[name, *box] for box in scene_boxes] or [[name, "", "", "", ""]])
                    corner_rows.writerows([name, *plate] for plate in scene_corners)
        return asdict(self)

    def write_scene(self, folder: Path, split_index: int, i: int) -> tuple[list[list[float]], list[list[float]]]:
        """Write scene i; its plates' boxes as (x, y, w, h) and corners, rounded to 0.1 pixel."""
        scene = self.render(np.random.default_rng([self.seed, split_index, i]))
        cv2.imwrite(str(folder / f"{i:06d}.jpg"), scene.image, [cv2.IMWRITE_JPEG_QUALITY, scene.jpeg_quality])
        x0, y0, x1, y1 = scene.boxes.T
        return (np.stack([x0, y0, x1 - x0, y1 - y0], 1).round(1).tolist(),
                scene.corners.reshape(-1, 8).round(1).tolist())

    def render(self, rng: np.random.Generator) -> Scene:
        """One scene. The plates and the background draw from streams of their own, so that the same scene with
        other plates (or none) differs only where they lie."""
        width = int(rng.integers(self.size[0][0], self.size[0][1] + 1))
        height = int(rng.integers(self.size[1][0], self.size[1][1] + 1))
        plate_rng, background_rng = rng.spawn(2)
        weights = np.array(self.plates_per_scene, np.float64)
        faces = [self.plate_face(plate_rng) for _ in range(plate_rng.choice(len(weights), p=weights / weights.sum()))]
        placed = self.place_all(faces, width, height, plate_rng)
        scene = self.background(width, height, background_rng)
        for _, quad in placed:
            if plate_rng.random() < self.car_p:
                car(scene, plate_box(quad, width, height), plate_rng)
        for face, quad in placed:
            paste(scene, face, quad)
        corners = np.array([quad for _, quad in placed], np.float64).reshape(-1, 4, 2)
        boxes = np.array([plate_box(quad, width, height) for _, quad in placed], np.float64).reshape(-1, 4)
        quality = int(rng.integers(self.jpeg_quality[0], self.jpeg_quality[1] + 1))
        return Scene(self.capture(scene, rng), corners, boxes, quality)

    def plate_face(self, rng: np.random.Generator) -> np.ndarray:
        """A plate face (BGR uint8) of the plate generator: a registration on a plate of its styles."""
        ink, char_boxes, _ = self.plates.registration(self.plates.plate_string(rng), rng)
        face, _, _ = self.plates.draw_plate(ink, char_boxes, rng)
        return face

    def place_all(self, faces: list[np.ndarray], width: int, height: int, rng: np.random.Generator
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each face with the corners it is warped to, clear of the plates before it; a face with no room is left
        out."""
        placed, boxes = [], []
        for face in faces:
            for _ in range(PLACEMENT_TRIES):
                quad = self.plate_quad(face, width, height, rng)
                box = plate_box(quad, width, height)
                if not any(overlap(box, other) for other in boxes):
                    placed.append((face, quad))
                    boxes.append(box)
                    break
        return placed

    def plate_quad(self, face: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
        """Where the face's corners land in the scene (4, 2), clockwise from top left: sized, tilted, rotated and
        put mostly inside."""
        plate_w = width * np.exp(rng.uniform(*np.log(self.plate_width)))
        plate_h = plate_w * face.shape[0] / face.shape[1]
        yaw, pitch = rng.uniform(-self.tilt, self.tilt, 2)
        quad = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64) * [plate_w / 2 * (1 - abs(yaw) / 2),
                                                                             plate_h / 2]
        quad[:, 1] *= 1 - np.maximum(0, yaw * np.sign(quad[:, 0]))  # the far vertical edge is shorter
        quad[:, 0] *= 1 - np.maximum(0, pitch * np.sign(quad[:, 1]))  # the far horizontal edge is narrower
        quad += rng.uniform(-self.perspective, self.perspective, (4, 2)) * [plate_w, plate_h]
        angle = np.radians(rng.uniform(-self.max_rotation, self.max_rotation))
        quad = quad @ np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
        extent = quad.max(0) - quad.min(0)
        quad *= min(1.0, width / extent[0], height / extent[1])  # a plate never outgrows its scene
        extent = quad.max(0) - quad.min(0)
        low = -self.max_outside * extent
        top_left = rng.uniform(low, [width, height] - extent - low)
        return quad - quad.min(0) + top_left

    def background(self, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
        """A scene without plates (BGR uint8): a photo or a procedural ground, a road, then clutter."""
        if self.photos and rng.random() < self.photo_p:
            scene = self.photo_background(width, height, rng)
        else:
            tint = rng.uniform(0, 60)  # streets are mostly greys; some scenes are colourful
            corner_colours = rng.uniform(20, 230, (2, 2, 1)) + rng.uniform(-tint, tint, (2, 2, 3))
            scene = cv2.resize(corner_colours.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
            cell = int(rng.integers(4, 64))  # the grain of the texture, coarse to fine
            grain = (height // cell + 2, width // cell + 2)
            texture = (rng.normal(0, rng.uniform(3, 40), (*grain, 1)) + rng.normal(0, tint / 4, (*grain, 3)))
            scene += cv2.resize(texture.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
            scene += rng.normal(0, rng.uniform(0, 8), scene.shape).astype(np.float32)
            scene = np.clip(scene, 0, 255).astype(np.uint8)
        if rng.random() < self.road_p:
            road(scene, rng)
        for _ in range(int(rng.integers(self.clutter[0], self.clutter[1] + 1))):
            clutter(scene, rng)
        return scene

    def photo_background(self, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
        """A random part of one of the photos, stretched over the scene, mirrored or not."""
        photo = background_photo(str(self.photo_path(self.photos[rng.integers(len(self.photos))])))
        part = rng.uniform(0.3, 1.0, 2) * photo.shape[1::-1]
        x0, y0 = (rng.uniform(0, 1, 2) * (photo.shape[1::-1] - part)).astype(int)
        crop = photo[y0:y0 + max(2, int(part[1])), x0:x0 + max(2, int(part[0]))]
        scene = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
        return scene[:, ::-1].copy() if rng.random() < 0.5 else scene

    def capture(self, scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The camera: contrast and brightness, blur and noise (JPEG follows when the scene is saved)."""
        image = scene.astype(np.float32)
        mean = image.mean()
        image = (image - mean) * rng.uniform(*self.contrast) + mean + rng.uniform(*self.brightness)
        sigma = rng.uniform(*self.blur_sigma)
        if sigma > 0.3:
            image = cv2.GaussianBlur(image, (0, 0), sigma)
        image += rng.normal(0, rng.uniform(*self.noise_sigma), image.shape).astype(np.float32)
        return np.clip(image, 0, 255).astype(np.uint8)
