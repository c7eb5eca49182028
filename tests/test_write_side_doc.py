"""docs/write-side.md tells the truth: it lists exactly the card's transitions the write side allows."""
import re
from pathlib import Path

from backlog.cards import TRANSITIONS
from registry.models import EnrollmentState

DOC = Path(__file__).resolve().parent.parent / "docs" / "write-side.md"
WORDS = {"recorded": EnrollmentState.RECORDED, "queued": EnrollmentState.QUEUED, "ready": EnrollmentState.READY,
         "collected": EnrollmentState.COLLECTED, "on hold": EnrollmentState.ON_HOLD, "void": EnrollmentState.VOID,
         "at the centre": EnrollmentState.AT_CENTRE, "failed": EnrollmentState.FAILED}
STATE = "|".join(sorted(WORDS, key=len, reverse=True))


def test_the_documented_transitions_are_exactly_those_of_the_write_side():
    rows = re.findall(rf"^\| ({STATE}) \| ({STATE}) \|", DOC.read_text(), re.M)
    documented = {(WORDS[a], WORDS[b]) for a, b in rows}
    assert len(rows) == len(documented)
    assert documented == set(TRANSITIONS)
