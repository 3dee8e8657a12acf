"""The shape of the synthetic data: how much of each thing, how ratings are spread, and the
words it is written in. Plain values only, so the generator reads as rules over this table.

Proportions scale to issue 8's full size: 1,000 hospitals -> 150 trusts, 9,000 departments,
over 10 years about 1.5 million rating cells, 150,000 findings and 300,000 actions.
"""

from __future__ import annotations

from datetime import date

# A fixed "today" so that the same seed gives the same rows on any day; pass another to move
# the whole history (flask seed-synthetic --today).
DEFAULT_TODAY = date(2026, 11, 1)

# ODS codes of real trusts and sites never start with SYN, so synthetic rows are easy to tell
# apart and a second run is refused rather than mixed in.
CODE_PREFIX = "SYN"

TRUSTS_PER_HOSPITAL = 0.15  # 1,000 hospitals -> 150 trusts
ACTIONS_PER_HOSPITAL_YEAR = 30  # 10 years -> 300 actions a hospital

# The current departments, in the order a hospital gets them: the nine acute core services,
# then extra services for hospitals asked to have more than nine.
DEPARTMENT_SERVICES: tuple[str, ...] = (
    "urgent", "care", "surgery", "critical", "npimaternity", "childrens", "life",
    "npioutpatients", "diagnostic", "accident", "renal", "rehabilitation", "transport",
    "maternityinpatient",
)

# CQC's renames (DOMAIN.md): the old service, and the window in which a hospital's first
# inspection under the new names happened. Before it, the hospital has the old department.
RENAMES: dict[str, tuple[date, date]] = {
    "medical": (date(2015, 1, 1), date(2017, 6, 30)),
    "maternity": (date(2016, 1, 1), date(2019, 12, 31)),
    "outpatients": (date(2016, 6, 1), date(2019, 6, 30)),
}

# Inspections a hospital has, on average per year. Comprehensive official inspections come
# every COMPREHENSIVE_MONTHS; between them focused (or responsive) ones re-rate a few cells; the
# trust's own mock inspections and peer reviews rate the grid too (they are kept apart from the
# official grid). Together about 150 cells a hospital a year, as issue 8's 1.5 million asks.
COMPREHENSIVE_MONTHS = (24, 40)
FOCUSED_PER_YEAR = 1.3
MOCK_PER_YEAR = 1.8  # a full-grid mock inspection
PEER_REVIEWS_PER_YEAR = 1.5  # two to four services
WELL_LED_REVIEW_MONTHS = (30, 42)  # trust-level well-led reviews

# Ratings come from a score: the hospital's level (drifting year by year) + the service's and
# the key question's offsets + noise, cut at these thresholds. Tuned so that most cells are
# Good or Requires improvement, a few Inadequate and some Outstanding.
THRESHOLDS = ((1.45, "Outstanding"), (-0.35, "Good"), (-1.55, "Requires improvement"))
LOWEST = "Inadequate"
SERVICE_OFFSET = {
    "urgent": -0.35, "medical": -0.15, "care": -0.15, "surgery": -0.1, "critical": 0.25,
    "maternity": -0.2, "npimaternity": -0.25, "childrens": 0.3, "life": 0.05,
    "outpatients": 0.0, "npioutpatients": 0.05, "diagnostic": 0.15, "accident": 0.0,
    "renal": 0.2, "rehabilitation": 0.25, "transport": 0.0, "maternityinpatient": -0.1,
}
KEY_QUESTION_OFFSET = {
    "Safe": -0.55, "Effective": 0.1, "Caring": 0.85, "Responsive": -0.2, "Well-led": -0.1,
}
# Cells CQC does not rate (DOMAIN.md "Cells can be legitimately empty").
NOT_RATED = {("outpatients", "Effective"), ("npioutpatients", "Effective")}
NO_CELL = {("diagnostic", "Effective")}

# Which regulation a must-do finding on each key question usually cites.
REGULATIONS_BY_KEY_QUESTION = {
    "Safe": ("12", "12", "12", "18", "18", "15", "13"),
    "Effective": ("9", "11", "14", "12"),
    "Caring": ("10", "9", "10"),
    "Responsive": ("9", "16", "12"),
    "Well-led": ("17", "17", "17", "18", "20"),
}

FINDING_TOPICS = {
    "Safe": (
        "complete and record mandatory training, including safeguarding, for all staff",
        "keep medicines stored securely and at the right temperature",
        "check emergency equipment daily and record the checks",
        "assess and record patients' risks, and act on deterioration scores",
        "keep enough suitably qualified nursing staff on every shift",
        "keep the premises clean and infection control practice consistent",
    ),
    "Effective": (
        "follow current national guidance in local policies and audit against it",
        "record mental capacity assessments where consent is in doubt",
        "record patients' nutrition and hydration needs and meet them",
        "complete appraisals for all staff",
    ),
    "Caring": (
        "protect patients' privacy and dignity in shared bays",
        "involve patients and those close to them in decisions about their care",
        "respond promptly to call bells",
    ),
    "Responsive": (
        "see and treat patients within national waiting time standards",
        "respond to complaints within the timescales in the trust's policy",
        "make interpreting services easy to reach for patients who need them",
    ),
    "Well-led": (
        "keep the risk register current and act on the risks it lists",
        "make governance processes identify and act on poor performance",
        "act on the results of the staff survey",
        "apply the duty of candour whenever it is due",
    ),
}

ACTION_VERBS = (
    "Audit monthly and report to the quality committee",
    "Introduce a weekly check and escalate gaps",
    "Agree and implement a recovery plan",
    "Train all staff and record completion",
    "Recruit to the vacancies and review the rota",
    "Revise the local policy and brief every team",
)

SLIP_REASONS = (
    "Recruitment took longer than planned.",
    "Waiting for the new system to go live.",
    "Winter pressures delayed the training programme.",
    "The audit found more to fix than expected.",
    "Estates work was rescheduled.",
    "The business case is still with the finance committee.",
)
CANCEL_REASONS = (
    "Superseded by a trust-wide action.",
    "The service was reconfigured and the action no longer applies.",
    "Duplicate of another action.",
)
PROGRESS_NOTES = (
    "Plan agreed with the department.",
    "Half of the staff trained so far.",
    "First audit done; results shared with the team.",
    "New process in place; monitoring compliance.",
    "Evidence being collected for the quality team.",
)

PLACE_STARTS = (
    "Ash", "Bram", "Brook", "Calder", "Clay", "Dun", "Elm", "Fair", "Fern", "Glen", "Hart",
    "Hazel", "Holm", "Kings", "Lang", "Lark", "Marsh", "Mill", "North", "Oak", "Pen", "Red",
    "Rose", "Sand", "Stan", "Thorn", "Wal", "West", "Whit", "Wood",
)
PLACE_ENDS = (
    "bury", "by", "combe", "den", "field", "ford", "ham", "hurst", "leigh", "mere", "minster",
    "mouth", "stead", "stow", "thorpe", "ton", "wick", "worth",
)
HOSPITAL_KINDS = (
    "General Hospital", "District Hospital", "Royal Infirmary", "University Hospital",
    "Community Hospital", "Memorial Hospital",
)
FIRST_NAMES = (
    "Aisha", "Ben", "Chloe", "Daniel", "Ewa", "Farah", "George", "Hannah", "Imran", "Jade",
    "Kwame", "Laura", "Mohammed", "Niamh", "Oliver", "Priya", "Rhys", "Sofia", "Tom", "Uma",
)
LAST_NAMES = (
    "Adeyemi", "Brown", "Chen", "Davies", "Evans", "Fernandes", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Murphy", "Nowak", "O'Brien", "Patel", "Roberts", "Smith",
    "Taylor", "Williams",
)
