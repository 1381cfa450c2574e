"""The one split of the real photos behind every plate figure.

A photo's share follows from a stable hash of its file name, never from a list: the photos a checkpoint
trained on are fixed by the config (configs/split/), and every plate figure is reported on the held-out share.
"""
import hashlib
import re
from typing import Literal

from pydantic import NonNegativeInt, field_validator, model_validator
from pydantic.dataclasses import dataclass


@dataclass(frozen=True)
class GroupShares:
    """Photos that follow one another (a drive's frames): a file name matching `pattern` belongs to the group its
    first (group) captures, and a group to the share `shares` names (val, test), or train."""

    pattern: str
    shares: dict[Literal["val", "test"], list[str]]

    @field_validator("pattern")
    @classmethod
    def has_a_group(cls, pattern: str) -> str:
        if re.compile(pattern).groups < 1:
            raise ValueError("needs a (group) that captures the key photos are kept together by")
        return pattern

    def of(self, name: str) -> str | None:
        """The share of a file name of this group, None for a name the pattern does not match."""
        match = re.match(self.pattern, name)
        if match is None:
            return None
        return next((share for share, keys in self.shares.items() if match.group(1) in keys), "train")


@dataclass(frozen=True)
class PhotoSplit:
    """Buckets (sha1 of "salt:name", mod 100) from `held_out_from` up are held out (test); of the buckets below,
    the top `val_percent` validate and the rest train."""

    salt: str
    held_out_from: NonNegativeInt
    val_percent: NonNegativeInt
    groups: tuple[GroupShares, ...] = ()

    @model_validator(mode="after")
    def shares_fit(self):
        if not self.val_percent <= self.held_out_from <= 100:
            raise ValueError(f"needs 0 <= val_percent ({self.val_percent}) <= held_out_from ({self.held_out_from}) "
                             "<= 100")
        return self

    @classmethod
    def from_percent(cls, percent: dict[str, int], salt: str, groups: list[dict] = ()) -> "PhotoSplit":
        """The split a checkpoint records as `{"train": t, "val": v}`, its salt and its groups."""
        train, val = percent.get("train", 0), percent.get("val", 0)
        return cls(salt, train + val, val, tuple(GroupShares(**group) for group in groups))

    @property
    def percent(self) -> dict[str, int]:
        """The trainable shares as `{"train": t, "val": v}`, as checkpoints record them."""
        return {"train": self.held_out_from - self.val_percent, "val": self.val_percent}

    def bucket(self, name: str) -> int:
        return int(hashlib.sha1(f"{self.salt}:{name}".encode()).hexdigest(), 16) % 100

    def held_out(self, name: str) -> bool:
        """True for a photo no checkpoint of this split trains or validates on."""
        return self.of(name) == "test"

    def of(self, name: str) -> str:
        """The share a file name falls in: train, val or test (the held-out share); a grouped photo its group's."""
        for group in self.groups:
            if (share := group.of(name)) is not None:
                return share
        bucket = self.bucket(name)
        if bucket >= self.held_out_from:
            return "test"
        return "val" if bucket >= self.held_out_from - self.val_percent else "train"
