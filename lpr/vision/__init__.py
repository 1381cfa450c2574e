"""OpenCV stages with no learning that the data stage shares with reading: cutting a plate into characters.

Below `data` because the data stage segments real plates too (harvested characters, re-lettered plates)."""
