"""The vote among several readings of one plate: crops at several margins, and the members of an ensemble."""
from collections import Counter, defaultdict

from lpr.reading.engine import PlateReading


def majority_reading(readings: list[PlateReading], positions: list[int]) -> tuple[int, float]:
    """The reading most of a plate's crops agree on (ties: the larger summed confidence): the position of its most
    confident crop, and its confidence summed over the crops that read it and divided by all read, so that a
    reading only some crops agree on is less sure. One crop: that crop and its own confidence."""
    votes, support = Counter(), defaultdict(float)
    for position in positions:
        votes[readings[position].text] += 1
        support[readings[position].text] += readings[position].confidence
    winner = max(votes, key=lambda text: (votes[text], support[text]))
    position = max((p for p in positions if readings[p].text == winner), key=lambda p: readings[p].confidence)
    return position, support[winner] / len(positions)
