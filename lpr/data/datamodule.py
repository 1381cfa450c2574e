"""What the character and plate DataModules share: loaders over the splits their `setup` builds."""
import albumentations as A
from lightning import LightningDataModule
from torch.utils.data import DataLoader, Dataset


class SplitDataModule(LightningDataModule):
    """Loaders over the splits that `setup` puts in `self.datasets` (train, val and optional test)."""

    collate_fn = None  # a subclass whose samples are not all tensors sets its own

    def __init__(self):
        super().__init__()
        self.datasets: dict[str, Dataset] = {}

    @property
    def has_test(self) -> bool:
        return "test" in self.datasets

    def augmentations(self) -> list[A.BaseCompose]:
        """The random training augmentations, whose generators a resumed run restores."""
        return []

    def loader(self, split: str, shuffle: bool = False) -> DataLoader:
        return DataLoader(self.datasets[split], batch_size=self.hparams.batch_size, shuffle=shuffle,
                          collate_fn=self.collate_fn, num_workers=self.hparams.num_workers,
                          persistent_workers=self.hparams.num_workers > 0)

    def train_dataloader(self):
        return self.loader("train", shuffle=True)

    def val_dataloader(self):
        return self.loader("val")

    def test_dataloader(self):
        return self.loader("test")
