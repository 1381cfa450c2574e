"""Segmentation learned: a character detector cuts the characters the classic engine reads (segment=detector);
thresholds and contours (segment=contours) are lpr.vision.segment, which the data harvesters share."""
