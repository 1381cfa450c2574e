"""Characters cut out of real plate photos, beside the generated ones, for `experiment=plates`.

Each OpenALPR photo on the train or val side of the fixed split (`lpr.plates.hash_split`) is cropped at its
labelled box and segmented; when the segmentation yields as many characters as the label has, the
characters take the label's letters in order. Held-out photos are never touched, so plate figures on
them stay honest. The tree (generated + harvested, as hard links) is cached under a
name made from the settings' hash, like lpr.synth's, and from the segmentation's source: a change to how plates
are cut harvests again.
"""
import inspect
import logging
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

import cv2

from lpr import segment
from lpr.errors import LprError
from lpr.images import read_image
from lpr.locate import crop_box
from lpr.plates import hash_split, load_plate_samples
from lpr.segment import CharSegmenter
from lpr.synth import CharSynth, ensure_generated, settings_key

log = logging.getLogger(__name__)


@dataclass
class SynthAndHarvest(CharSynth):
    """The generator's settings plus the harvest's; `ensure(cache_dir)` returns the combined ImageFolder root.

    A CharSynth itself, so that it goes wherever a generator goes (`data.synth`).
    """

    segmenter: CharSegmenter = field(default_factory=CharSegmenter)
    photo_dirs: list[str] = field(default_factory=list)
    salt: str = "lpr-plates"
    train_percent: int = 50  # photos hashing below this give characters; the rest are held out
    val_percent: int = 10  # of those, this share validates instead of training (the top buckets, as hash_split)
    crop_margin: tuple[float, float] = (0.04, 0.15)
    repeat: int = 4  # each real character appears this many times in train, against many generated ones

    @property
    def split_percent(self) -> dict[str, int]:
        """The photo split in `hash_split`'s terms, kept in checkpoints as the whole-plate data module keeps its own."""
        return {"train": self.train_percent - self.val_percent, "val": self.val_percent}

    @property
    def synth(self) -> CharSynth:
        """The plain generator with the same settings, whose cached tree is shared with data=synth."""
        return CharSynth(**{f.name: getattr(self, f.name) for f in fields(CharSynth)})

    def key(self) -> str:
        return settings_key({"synth": self.synth.key(), "segmenter": repr(self.segmenter),
                             "segment_source": inspect.getsource(segment),
                             "dirs": sorted(self.photo_dirs), "salt": self.salt, "split": self.split_percent,
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
                split = hash_split(sample.name, self.split_percent, self.salt)
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
