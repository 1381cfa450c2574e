"""OpenCV stages with no learning: finding plate candidates in a photo and cutting a plate into characters.

Below `data` because the data stage segments real plates too (harvested characters, re-lettered plates)."""
