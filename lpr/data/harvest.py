"""Characters cut out of real plate photos, beside the generated ones, for `experiment=plates`.

Each OpenALPR photo on the train or val side of the photo split (`lpr.data.split`) is cropped at its
labelled box and segmented; when the segmentation yields as many characters as the label has, the
characters take the label's letters in order. Held-out photos are never touched, so plate figures on
them stay honest. The tree (generated + harvested, as hard links) is cached under a
name made from the settings' hash, like lpr.synth's, and from the segmentation's source: a change to how plates
are cut harvests again.
"""
import inspect
import logging
import os
from dataclasses import field, fields
from pathlib import Path

import cv2
from pydantic.dataclasses import dataclass

from lpr.core.boxes import crop_box
from lpr.core.errors import LprError
from lpr.core.images import read_image
from lpr.data.samples import load_plate_samples
from lpr.data.split import PhotoSplit
from lpr.data.synth_chars import CharSynth, ensure_generated, settings_key
from lpr.vision import segment
from lpr.vision.segment import CharSegmenter

log = logging.getLogger(__name__)


@dataclass
class SynthAndHarvest(CharSynth):
    """The generator's settings plus the harvest's; `ensure(cache_dir)` returns the combined ImageFolder root.

    A CharSynth itself, so that it goes wherever a generator goes (`data.synth`).
    """

    split: PhotoSplit | None = None  # photos of its train and val shares give characters; the test share never
    segmenter: CharSegmenter = field(default_factory=CharSegmenter)
    photo_dirs: list[str] = field(default_factory=list)
    crop_margin: tuple[float, float] = (0.04, 0.15)
    repeat: int = 4  # each real character appears this many times in train, against many generated ones

    def __post_init__(self):
        super().__post_init__()
        if self.split is None:
            raise LprError("data.synth.split: harvesting real characters needs the photo split (configs/split/)")

    @property
    def synth(self) -> CharSynth:
        """The plain generator with the same settings, whose cached tree is shared with data=synth."""
        return CharSynth(**{f.name: getattr(self, f.name) for f in fields(CharSynth)})

    def key(self) -> str:
        return settings_key({"synth": self.synth.key(), "segmenter": repr(self.segmenter),
                             "segment_source": inspect.getsource(segment),
                             "dirs": sorted(self.photo_dirs), "salt": self.split.salt, "split": self.split.percent,
                             "crop_margin": list(self.crop_margin), "repeat": self.repeat})

    def ensure(self, cache_dir: str | Path) -> Path:
        """The generated tree (hard links into data=synth's cache) plus the harvested real characters."""
        synth_root = self.synth.ensure(cache_dir)

        def generate(root: Path) -> dict:
            for source in synth_root.glob("*/class_*/*.png"):
                target = root / source.relative_to(synth_root)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(source, target)
            counts = self.harvest(root)
            log.info("Harvested real characters: %s", counts)
            return {"key": self.key(), "harvested": counts}

        return ensure_generated(Path(cache_dir) / f"plates-chars-{self.key()}", generate)

    def harvest(self, root: Path) -> dict:
        counts = {"photos": 0, "used": 0, "train": 0, "val": 0}
        for folder in self.photo_dirs:
            if not Path(folder).is_dir():
                raise LprError(f"data.synth.photo_dirs: {folder} is not a folder")
            samples, _ = load_plate_samples(folder)
            for sample in samples:
                split = self.split.of(sample.name)
                if split == "test" or not sample.text:
                    continue
                counts["photos"] += 1
                crop, _ = crop_box(read_image(sample.image_path, color=True), sample.box, self.crop_margin)
                segmentation = self.segmenter(crop)
                if len(segmentation) != len(sample.text):
                    continue
                counts["used"] += 1
                copies = self.repeat if split == "train" else 1
                stem = f"real_{Path(folder).name}_{sample.image_path.stem}"
                for index, (char, char_crop) in enumerate(zip(sample.text, segmentation.char_crops)):
                    class_dir = root / split / f"class_{char}"
                    class_dir.mkdir(parents=True, exist_ok=True)
                    for copy in range(copies):
                        cv2.imwrite(str(class_dir / f"{stem}_{index}_{copy}.png"), char_crop)
                    counts[split] += copies
        return counts
