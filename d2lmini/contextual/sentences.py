"""The sentences of chapter 8: "bank" in three senses, placed so that its position cannot
decide which sentences look alike, a same-start control, and a common tutorial's three."""

__all__ = ["DEFAULT_SENTENCES", "SAME_START_SENTENCES", "TUTORIAL_SENTENCES",
           "default_sentences"]

# Default sentences: six per sense, and in every sense "bank" is token number 2, 4, 5, 6, 7
# and 9 (counting [CLS] as 0), so the position of "bank", which BERT adds to its input and
# which survives all layers, is spread the same way over the senses and cannot decide
# which sentences look alike. The contexts vary, and "bank of" occurs in two senses.
DEFAULT_SENTENCES = [
    # river: the land along a river or lake
    ("The bank of the river was covered in reeds.", "river"),
    ("We reached the bank after a long swim across the lake.", "river"),
    ("We sat on the bank and watched the ducks swim past.", "river"),
    ("Heavy rain made the muddy bank collapse into the stream.", "river"),
    ("The canoe drifted toward the far bank of the creek.", "river"),
    ("After the flood, the farmers rebuilt the bank along the water.", "river"),
    # money: the financial institution
    ("The bank raised its interest rates again.", "money"),
    ("I asked the bank for a loan to buy a house.", "money"),
    ("We borrowed from the bank to pay for our first home.", "money"),
    ("He withdrew cash from the bank before the trip.", "money"),
    ("My salary goes straight into the bank every month.", "money"),
    ("She opened a new savings account at the bank downtown.", "money"),
    # array: a row of similar objects (a bank of lights, switches, screens)
    ("A bank of floodlights lit up the stadium.", "array"),
    ("Guards watched a bank of monitors all night.", "array"),
    ("The pilot flipped a bank of switches above his head.", "array"),
    ("The studio has a huge bank of speakers along one wall.", "array"),
    ("The night engineer replaced the whole bank of batteries.", "array"),
    ("In the lobby, visitors waited by a bank of elevators.", "array"),
]

# A control: "bank" opens every sentence ("The bank ..."), so position and left context are
# the same for all of them and only the words after "bank" can tell the senses apart.
SAME_START_SENTENCES = [
    ("The bank of the river is eroding.", "river"),
    ("The bank was muddy after the flood.", "river"),
    ("The bank sloped gently down to the water.", "river"),
    ("The bank on the far side of the stream was steep.", "river"),
    ("The bank approved my loan application.", "money"),
    ("The bank charged a fee for the transfer.", "money"),
    ("The bank raised its interest rates.", "money"),
    ("The bank opened a new branch downtown.", "money"),
    ("The bank of monitors showed every camera.", "array"),
    ("The bank of switches controls the stage lights.", "array"),
    ("The bank of batteries needs replacing.", "array"),
    ("The bank of elevators was out of order.", "array"),
]

# The three sentences of a common tutorial version of this demo: two of them begin
# "The bank", which is what makes the river sentence look closer to a financial one than
# the two financial sentences to each other.
TUTORIAL_SENTENCES = [
    ("The bank by the river is eroding.", "river"),
    ("I deposited money in the bank yesterday.", "money"),
    ("The bank approved my loan application.", "money"),
]



def default_sentences():
    """The default sentences and their sense labels, as two lists."""
    return [s for s, _ in DEFAULT_SENTENCES], [t for _, t in DEFAULT_SENTENCES]
