"""The vote among several readings of one plate: crops at several margins, and the members of an ensemble."""
from collections import Counter, defaultdict

from lpr.reading.engines.base import PlateReading


def majority_reading(readings: list[PlateReading]) -> tuple[int, float]:
    """The reading most of a plate's readings agree on (ties: the larger summed confidence): the index of its most
    confident one, and its confidence summed over the readings that agree and divided by all of them, so that a
    reading only some crops agree on is less sure. One reading: that one and its own confidence."""
    votes, support = Counter(), defaultdict(float)
    for reading in readings:
        votes[reading.text] += 1
        support[reading.text] += reading.confidence
    winner = max(votes, key=lambda text: (votes[text], support[text]))
    index = max((i for i, reading in enumerate(readings) if reading.text == winner),
                key=lambda i: readings[i].confidence)
    return index, support[winner] / len(readings)
