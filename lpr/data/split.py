"""The one split of the real photos behind every plate figure.

A photo's share follows from a stable hash of its file name, never from a list: the photos a checkpoint
trained on are fixed by the config (configs/split/), and every plate figure is reported on the held-out share.
"""
import hashlib

from pydantic import NonNegativeInt, model_validator
from pydantic.dataclasses import dataclass


@dataclass(frozen=True)
class PhotoSplit:
    """Buckets (sha1 of "salt:name", mod 100) from `held_out_from` up are held out (test); of the buckets below,
    the top `val_percent` validate and the rest train."""

    salt: str
    held_out_from: NonNegativeInt
    val_percent: NonNegativeInt

    @model_validator(mode="after")
    def shares_fit(self):
        if not self.val_percent <= self.held_out_from <= 100:
            raise ValueError(f"needs 0 <= val_percent ({self.val_percent}) <= held_out_from ({self.held_out_from}) "
                             "<= 100")
        return self

    @classmethod
    def from_percent(cls, percent: dict[str, int], salt: str) -> "PhotoSplit":
        """The split a checkpoint records as `{"train": t, "val": v}` and its salt."""
        train, val = percent.get("train", 0), percent.get("val", 0)
        return cls(salt, train + val, val)

    @property
    def percent(self) -> dict[str, int]:
        """The trainable shares as `{"train": t, "val": v}`, as checkpoints record them."""
        return {"train": self.held_out_from - self.val_percent, "val": self.val_percent}

    def bucket(self, name: str) -> int:
        return int(hashlib.sha1(f"{self.salt}:{name}".encode()).hexdigest(), 16) % 100

    def held_out(self, name: str) -> bool:
        """True for a photo no checkpoint of this split trains or validates on."""
        return self.bucket(name) >= self.held_out_from

    def of(self, name: str) -> str:
        """The share a file name falls in: train, val or test (the held-out share)."""
        bucket = self.bucket(name)
        if bucket >= self.held_out_from:
            return "test"
        return "val" if bucket >= self.held_out_from - self.val_percent else "train"
