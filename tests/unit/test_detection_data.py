"""Detection data: box folders (boxes.csv and OpenALPR), the scene generator, the letterbox, the DataModule and the
split of real roots; every folder is made here at test time."""
import albumentations as A
import cv2
import numpy as np
import pytest
import torch
from pydantic import ValidationError

from lpr.core.config import instantiate
from lpr.core.errors import LprError
from lpr.core.preprocess import letterbox
from lpr.data.box_folders import DetectionRoot, load_box_folder
from lpr.data.detection import DetectionDataModule
from lpr.data.plates import plate_split
from lpr.data.synth_plates import PlateSynth
from lpr.data.synth_scenes import SceneSynth
from tests.conftest import compose_config, photo_split

# Scenes small and quick to draw, whose pixels are the drawing itself: no camera effects.
NO_CAPTURE = dict(brightness=(0.0, 0.0), contrast=(1.0, 1.0), blur_sigma=(0.0, 0.0), noise_sigma=(0.0, 0.0))
SMALL = dict(size=((160, 240), (120, 180)), plates=PlateSynth(fonts=["dejavu_sans_bold"]))


def write_photo(path, width: int, height: int, boxes=()) -> None:
    """A dark photo with a bright rectangle at each (x, y, w, h) box."""
    photo = np.full((height, width, 3), 20, np.uint8)
    for x, y, w, h in boxes:
        photo[y:y + h, x:x + w] = 235
    cv2.imwrite(str(path), photo)


def write_box_folder(folder, photos: dict[str, tuple[int, int, list]]) -> None:
    """A boxes.csv folder of photos {name: (width, height, boxes)}; a photo without boxes gets an empty row."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["image,x,y,w,h"]
    for name, (width, height, boxes) in photos.items():
        write_photo(folder / name, width, height, boxes)
        rows += [f"{name},{x},{y},{w},{h}" for x, y, w, h in boxes] or [f"{name},,,,"]
    (folder / "boxes.csv").write_text("\n".join(rows) + "\n")


@pytest.fixture
def box_folder(tmp_path):
    folder = tmp_path / "boxes"
    write_box_folder(folder, {"a.jpg": (80, 60, [(10, 20, 30, 8), (50, 5, 20, 6)]), "b.png": (40, 30, [])})
    return folder


def test_boxes_csv_gives_each_photo_its_boxes_and_photos_without_plates(box_folder):
    samples = {s.name: s for s in load_box_folder(box_folder)}
    assert set(samples) == {"a.jpg", "b.png"}
    assert samples["a.jpg"].image_path == box_folder / "a.jpg"
    assert samples["a.jpg"].boxes.dtype == np.float32
    assert samples["a.jpg"].boxes.tolist() == [[10, 20, 40, 28], [50, 5, 70, 11]]  # x0, y0, x1, y1
    assert samples["b.png"].boxes.shape == (0, 4)


def test_openalpr_folder_gives_its_labelled_box(tmp_path):
    folder = tmp_path / "alpr"
    folder.mkdir()
    write_photo(folder / "car1.jpg", 120, 90, [(30, 40, 50, 12)])
    (folder / "car1.txt").write_text("car1.jpg\t30\t40\t50\t12\tABC123\n")
    [sample] = load_box_folder(folder)
    assert sample.name == "car1.jpg" and sample.boxes.tolist() == [[30, 40, 80, 52]]


def add_row(row: str):
    def change(folder):
        with open(folder / "boxes.csv", "a") as handle:
            handle.write(row + "\n")
    return change


def broken_image(folder):
    (folder / "broken.jpg").write_bytes(b"not an image")
    add_row("broken.jpg,1,1,5,5")(folder)


def openalpr_instead(label: str):
    def change(folder):
        (folder / "boxes.csv").unlink()
        (folder / "a.txt").write_text(label)
    return change


@pytest.mark.parametrize("make_problem, message", [
    (add_row("gone.jpg,1,1,5,5"), "boxes.csv:5: image gone.jpg not found"),
    (broken_image, "broken.jpg: not a readable image"),
    (add_row("a.jpg,70,10,20,5"), "boxes.csv:5: box (70.0, 10.0, 20.0, 5.0) lies outside the 80x60 image a.jpg"),
    (add_row("a.jpg,10,10,0,5"), "boxes.csv:5: box (10.0, 10.0, 0.0, 5.0) has no area"),
    (add_row("a.jpg,ten,10,5,5"), "boxes.csv:5: expected numbers"),
    (add_row("a.jpg,,10,5,5"), "boxes.csv:5: expected numbers"),
    (lambda folder: (folder / "boxes.csv").write_text("file,x,y\n"), "boxes.csv: needs a header"),
    (lambda folder: (folder / "boxes.csv").write_text("image,x,y,w,h\n"), "lists no images"),
    (lambda folder: (folder / "boxes.csv").unlink(), "no boxes.csv, no chars.csv and no OpenALPR labels"),
    (openalpr_instead("a.jpg\t10\t10\t-3\t5\tABC\n"), "a.txt: box (10, 10, -3, 5) has no area"),
    (openalpr_instead("a.jpg\t10\t10\n"), "a.txt: expected `NAME.jpg<TAB>x"),
])
def test_each_bad_entry_is_one_line_naming_its_file(box_folder, make_problem, message):
    make_problem(box_folder)
    with pytest.raises(LprError) as refusal:
        load_box_folder(box_folder)
    line = str(refusal.value)
    assert message in line and "\n" not in line and line.startswith(str(box_folder))


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(LprError, match="does not exist"):
        load_box_folder(tmp_path / "nowhere")


def test_the_letterbox_puts_boxes_where_albumentations_does():
    size = 96
    reference = A.Compose([A.LongestMaxSize(max_size=size, area_for_downscale="image"),
                           A.PadIfNeeded(size, size, position="top_left", border_mode=cv2.BORDER_CONSTANT, fill=0)],
                          bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"]))
    rng = np.random.default_rng(0)
    for height, width in [(300, 500), (500, 301), (41, 70), (96, 96), (333, 777)]:  # shrunk, grown, unchanged
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        boxes = np.array([[0, 0, width, height], [width * 0.3, height * 0.6, width * 0.9, height * 0.7]], np.float32)
        expected = reference(image=image, bboxes=boxes, labels=[0, 0])
        boxed, scale = letterbox(image, size)
        assert np.array_equal(boxed, expected["image"]), (height, width)
        np.testing.assert_allclose(boxes * scale, expected["bboxes"], atol=0.5)  # the shorter side is rounded


def test_scenes_are_deterministic_from_seed_split_and_index():
    synth = SceneSynth(**SMALL)
    first, again = (synth.render(np.random.default_rng([0, 0, 3])) for _ in range(2))
    other = synth.render(np.random.default_rng([0, 0, 4]))
    assert np.array_equal(first.image, again.image) and np.array_equal(first.boxes, again.boxes)
    assert first.image.shape != other.image.shape or not np.array_equal(first.image, other.image)


@pytest.mark.parametrize("index", range(4))
def test_scene_boxes_bound_exactly_the_plates_drawn(index):
    """The same scene drawn with plates and without: the pixels that differ are the plates'. They fill each plate's
    corners and lie within them but for the pixels its edges cross; each box bounds its corners."""
    with_plates = SceneSynth(**SMALL, **NO_CAPTURE, plates_per_scene=[0, 0, 0, 1], car_p=0.0)
    without = SceneSynth(**SMALL, **NO_CAPTURE, plates_per_scene=[1], car_p=0.0)
    scene = with_plates.render(np.random.default_rng([1, 0, index]))
    empty = without.render(np.random.default_rng([1, 0, index]))
    assert empty.boxes.shape == (0, 4) and empty.corners.shape == (0, 4, 2)
    assert len(scene.boxes) >= 1 and scene.corners.shape == (len(scene.boxes), 4, 2)
    height, width = scene.image.shape[:2]
    np.testing.assert_allclose(scene.boxes, np.concatenate([scene.corners.min(1), scene.corners.max(1)], 1).clip(
        0, [width, height, width, height]))
    plate_pixels = (scene.image != empty.image).any(2)
    centres = np.stack(np.nonzero(np.ones_like(plate_pixels))[::-1], 1) + 0.5  # x, y; pixel i spans i to i + 1
    inside = np.full(plate_pixels.shape, -np.inf)  # each pixel centre's distance into the nearest plate
    for corners in scene.corners.astype(np.float32):
        distances = [cv2.pointPolygonTest(corners, tuple(centre), True) for centre in centres]
        inside = np.maximum(inside, np.reshape(distances, plate_pixels.shape))
    assert plate_pixels[inside > 1].mean() > 0.9  # the plates are drawn where their corners say
    assert inside[plate_pixels].min() > -1  # and nowhere else, but in the pixels their edges cross


@pytest.fixture(scope="module")
def scene_root(tmp_path_factory):
    """A tiny generated scene set: every scene holds one plate or none, and only its train split has photos."""
    synth = SceneSynth(**SMALL, count={"train": 6, "val": 2}, plates_per_scene=[1, 1])
    return synth, synth.ensure(tmp_path_factory.mktemp("scenes"))


def test_generated_boxes_csv_reads_back_as_drawn(scene_root):
    synth, root = scene_root
    samples = load_box_folder(root / "train")
    assert [s.name for s in samples] == [f"{i:06d}.jpg" for i in range(6)]
    drawn = [synth.render(np.random.default_rng([synth.seed, 0, i])) for i in range(6)]
    for sample, scene in zip(samples, drawn):
        np.testing.assert_allclose(sample.boxes, scene.boxes, atol=0.1)  # written to 0.1 pixel
        assert cv2.imread(str(sample.image_path)).shape == scene.image.shape
    assert {len(s.boxes) for s in samples} == {0, 1}  # with a plate and without
    corner_rows = (root / "train" / "corners.csv").read_text().splitlines()
    assert len(corner_rows) == 1 + sum(len(s.boxes) for s in samples)


def test_batches_are_letterboxed_photos_with_boxes_in_input_pixels(tmp_path):
    folder = tmp_path / "real"
    write_box_folder(folder, {"wide.png": (160, 80, [(20, 30, 40, 20)]), "tall.png": (60, 120, [(10, 60, 30, 20)]),
                              "none.png": (100, 100, []), "val.png": (64, 64, [(8, 8, 16, 16)])})
    flip = A.Compose([A.HorizontalFlip(p=1.0)], bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"]))
    datamodule = DetectionDataModule(roots=[DetectionRoot(str(folder), group=r"^([a-z]+)\.", shares={"val": ["val"]})],
                                     augment=flip, input_size=32, batch_size=3)
    datamodule.setup("fit")
    assert set(datamodule.train_kinds) == {"real"} and not datamodule.has_test
    for split in ("train", "val"):
        for images, targets in datamodule.loader(split):
            assert images.dtype == torch.float32 and images.shape[1:] == (3, 32, 32)
            assert 0.0 <= images.min() and images.max() <= 1.0 and len(targets) == len(images)
            for image, target in zip(images, targets):
                assert target["labels"].dtype == torch.int64 and target["boxes"].shape == (len(target["labels"]), 4)
                bright = image.mean(0) > 0.5  # the plate rectangles, wherever the flip moved them
                covered = torch.zeros_like(bright)
                for x0, y0, x1, y1 in target["boxes"].tolist():
                    covered[round(y0):round(y1), round(x0):round(x1)] = True
                    assert bright[round(y0) + 1:round(y1) - 1, round(x0) + 1:round(x1) - 1].all()
                assert not (bright & ~covered).any()
    _, wide_boxes, labels = datamodule.datasets["train"][0]
    assert np.allclose(wide_boxes, [[(160 - 60) * 0.2, 30 * 0.2, (160 - 20) * 0.2, 50 * 0.2]])  # flipped, then scaled
    assert labels.tolist() == [0]  # one class: a plate


def test_generated_scenes_train_and_validate_without_real_roots(scene_root):
    synth, root = scene_root
    datamodule = DetectionDataModule(synth=synth, cache_dir=str(root.parent), input_size=48, batch_size=4)
    datamodule.setup("fit")
    assert set(datamodule.train_kinds) == {"generated"} and len(datamodule.datasets["val"]) == 2
    images, targets = next(iter(datamodule.train_dataloader()))
    assert images.shape == (4, 3, 48, 48) and all((t["boxes"] <= 48).all() for t in targets)


def test_bad_datamodule_settings_are_refused(box_folder):
    with pytest.raises(LprError, match="give `roots`"):
        DetectionDataModule()
    with pytest.raises(LprError, match="data.split"):
        DetectionDataModule(roots=[DetectionRoot(str(box_folder))])
    with pytest.raises(LprError, match="bbox_params"):
        DetectionDataModule(roots=[DetectionRoot(str(box_folder), shares={})], augment=A.Compose([A.HorizontalFlip()]))
    with pytest.raises(ValidationError, match="group"):
        DetectionRoot(str(box_folder), group="no capture")


def test_a_drive_stays_in_one_share(tmp_path):
    folder = tmp_path / "dashcam"
    drives = [f"ride_{d:02d}" for d in range(30)]
    write_box_folder(folder, {f"{drive}.mp4_t_{t}.jpg": (32, 24, [(2, 2, 8, 4)]) for drive in drives for t in (7, 8)})
    group = r"^(.+?)\.mp4_t_"
    listed = DetectionRoot(str(folder), group=group, shares={"val": ["ride_02"], "test": ["ride_03", "ride_04"]})
    hashed = DetectionRoot(str(folder), group=group)
    for root in (listed, hashed):
        shares = {share: {s.name.split(".")[0] for s in root.share(share, photo_split())}
                  for share in ("train", "val", "test")}
        assert set.union(*shares.values()) == set(drives)
        assert sum(len(s) for s in shares.values()) == len(drives)  # no drive in two shares
        assert all(shares.values())
    assert {s.name for s in listed.share("val", None)} == {"ride_02.mp4_t_7.jpg", "ride_02.mp4_t_8.jpg"}
    misspelt = DetectionRoot(str(folder), group=group, shares={"val": ["ride_2"]})
    with pytest.raises(LprError, match=r"dashcam: `shares` lists \['ride_2'\], the key of no photo"):
        misspelt.share("val", None)
    write_box_folder(folder, {"other.jpg": (32, 24, [])})
    with pytest.raises(LprError, match="other.jpg: file name does not match"):
        listed.share("train", None)


def test_openalpr_roots_split_as_the_plate_readers_split_them(photo_folder):
    split = photo_split()
    for share in ("train", "val", "test"):
        detector = [s.name for s in DetectionRoot(str(photo_folder)).share(share, split)]
        reader = [s.name for s in plate_split(photo_folder, share, split)]
        assert detector == reader and len(detector) == 2


def test_the_detect_config_builds_and_its_augmentation_keeps_boxes_on_their_plates(tmp_path):
    cfg = compose_config("train", ["data=detect", f"paths.shared_data_dir={tmp_path}"], tmp_path / "run")
    datamodule = instantiate(cfg.data)
    dashcam = datamodule.roots[-1]
    assert isinstance(dashcam, DetectionRoot) and dashcam.key("dayride_type1_002.mp4_t_17.jpg") == "dayride_type1_002"
    assert dashcam.share_of("dayride_type1_002.mp4_t_17.jpg", None) == "val"
    assert "br" in datamodule.synth.plates.regions and datamodule.split == photo_split("train")
    photo = np.full((120, 200, 3), 20, np.uint8)
    photo[50:70, 80:140] = 235
    for _ in range(20):  # every transform, drawn or not, with a plate and without one
        for boxes in ([[80, 50, 140, 70]], np.zeros((0, 4))):
            moved = datamodule.augment(image=photo, bboxes=np.array(boxes, np.float32), labels=np.zeros(len(boxes)))
            for x0, y0, x1, y1 in moved["bboxes"]:  # colour transforms move both levels, never their order
                image = moved["image"].mean(2)
                plate = np.zeros(image.shape, bool)
                plate[round(y0) + 2:round(y1) - 2, round(x0) + 2:round(x1) - 2] = True
                assert image[plate].mean() > image[~plate].mean() + 80
