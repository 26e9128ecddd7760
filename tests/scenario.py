"""An illustrative history of assessments of the Paris Roadmap, for browser tests and the
README's screenshot. The assessments are invented for demonstration; they are not real
evaluations of the Coalition's work."""

import datetime

from django.utils import timezone

from commitments.models import Commitment
from commitments.services import record_status_update

# One assessment a line, each commitment's oldest first: its code, how many days before today
# it is as of, its status, its progress ("-": none) and its summary.
HISTORY = """
MIL-1    400  on_track       50  Coalition forces continued advise-and-assist missions with Iraqi partners.
MIL-1    120  on_track       65  Operations against clandestine cells continued at the agreed level.
MIL-2    200  on_track       60  Force posture in the Levant maintained.
MIL-2     30  at_risk        45  Force reductions announced by two members; support gaps expected.
MIL-3    500  not_started     0  Planning for the next training cycle under way.
MIL-3    250  on_track       40  Training courses for the Iraqi Security Forces resumed with NATO Mission Iraq.
MIL-3     20  on_track       70  Fourth cohort of instructors certified.
FTF-1     90  off_track      20  Detention facilities in northeast Syria remain overcrowded; escapes reported.
FTF-2     60  on_track       55  More members connected to INTERPOL's foreign terrorist fighter database.
FTF-3    150  on_track        -  No reported breach of the sanctions regime in the period.
HUM-1    300  on_track       50  Pledges from the Paris meeting partly disbursed.
HUM-1     45  at_risk        55  Humanitarian appeal funded at 48% by mid-year.
HUM-2     75  not_started     0  Gender analysis not yet included in the assistance plans reviewed.
STB-1    400  on_track       35  Stabilization projects completed in Anbar and Nineveh.
STB-1     10  completed     100  Programme handed over to the Government of Iraq.
STB-2     40  at_risk        30  Access constraints delayed assistance in northeast Syria.
POL-1    100  on_track        -  Small Group and ministerial meetings held as planned.
POL-2    220  on_track        -  Regular political consultations with regional partners.
POL-3.1   80  on_track       45  Support to provincial councils continued.
POL-3.2  130  at_risk        25  Two reconciliation initiatives suspended after local tensions.
POL-4     35  off_track       5  No progress in the Constitutional Committee during the period.
POL-6     25  not_started     0  Participation of women in the reconciliation committees reviewed: none so far.
GLB-2.1   50  on_track       60  Information-sharing arrangements extended to three more members.
GLB-2.3   65  on_track       50  Counter-ISIS Finance Group designated new financial facilitators.
GLB-3    300  discontinued    -  Project pipeline merged into the Africa Focus Group's work plan.
"""


def assessments():
    """(code, days before today, status, progress, summary) of each line of HISTORY."""
    for line in HISTORY.strip().splitlines():
        code, days_ago, status, progress, summary = line.split(maxsplit=4)
        yield code, int(days_ago), status, None if progress == "-" else int(progress), summary


def record_illustrative_history(author):
    today = timezone.localdate()
    for code, days_ago, status, progress, summary in assessments():
        record_status_update(
            commitment=Commitment.objects.get(code=code),
            author=author,
            status=status,
            progress=progress,
            as_of=today - datetime.timedelta(days=days_ago),
            summary=summary,
            confidence="medium",
        )
