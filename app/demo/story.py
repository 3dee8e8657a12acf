"""The demo trust's story as data (DOMAIN.md, "The seed story").

Grids are written one row per service: Safe, Effective, Caring, Responsive, Well-led, Overall.
Codes: O Outstanding, G Good, RI Requires improvement, I Inadequate, IBNR Inspected but not
rated, "-" no cell. A trailing "*" marks a cell the public record gives (DOMAIN.md); every other
cell is illustrative and the UI marks it so. "hospital" is the hospital's own row.
"""

from __future__ import annotations

from datetime import date

TRUST = {"ods_code": "R1H", "name": "Barts Health NHS Trust", "formed_on": date(2012, 4, 1)}

HOSPITALS = [
    # (ODS code, name, town, services); only R1H12 and R1HKH codes are from DOMAIN.md.
    ("R1HM0", "St Bartholomew's Hospital", "City of London",
     ["care", "surgery", "critical", "life", "npioutpatients", "diagnostic"]),
    ("R1H12", "The Royal London Hospital", "Whitechapel",
     ["urgent", "care", "surgery", "critical", "maternity", "childrens", "life",
      "npioutpatients", "diagnostic"]),
    ("R1HNH", "Newham University Hospital", "Plaistow",
     ["urgent", "care", "surgery", "maternity", "childrens", "life", "npioutpatients",
      "diagnostic"]),
    ("R1HKH", "Whipps Cross University Hospital", "Leytonstone",
     ["urgent", "care", "surgery", "critical", "maternity", "childrens", "life", "outpatients",
      "npioutpatients", "diagnostic", "npimaternity"]),
    ("R1H13", "Mile End Hospital", "Mile End",
     ["care", "npioutpatients", "diagnostic"]),
]

# Each inspection: hospital (None = the trust's own row), details, the grid and its findings.
INSPECTIONS = [
    {
        "key": "wx-2015", "hospital": "R1HKH", "type": "comprehensive", "notice": "announced",
        "visit": (date(2014, 11, 18), date(2014, 11, 21)), "published": date(2015, 3, 17),
        "ref": "WX-2015", "illustrative": True,
        "summary": "Rated Inadequate overall; the trust entered special measures.",
        "grid": {
            "urgent":      "I RI G I I I*",
            "care":        "I RI G RI I I*",
            "surgery":     "I RI RI I I I*",
            "critical":    "RI G G RI RI RI*",
            "maternity":   "RI RI G RI RI RI*",
            "childrens":   "I RI G RI I I*",
            "life":        "I RI RI I I I*",
            "outpatients": "I IBNR RI I I I*",
            "hospital":    "I RI RI I I I*",
        },
        "findings": [],
    },
    {
        "key": "wx-2016", "hospital": "R1HKH", "type": "comprehensive", "notice": "unannounced",
        "visit": (date(2016, 6, 28), date(2016, 7, 1)), "published": date(2016, 12, 16),
        "ref": "WX-2016", "illustrative": True,
        "summary": "Still Inadequate overall; surgery served a section 29A warning notice.",
        "grid": {
            "urgent":      "RI RI G RI RI RI*",
            "care":        "RI RI G RI RI RI*",
            "surgery":     "I RI G I I I*",
            "critical":    "RI G G RI RI RI*",
            "maternity":   "G G G G G G*",
            "childrens":   "G G G G G G*",
            "life":        "RI RI RI RI RI RI*",
            "outpatients": "I IBNR G I I I*",
            "hospital":    "RI* RI* RI* I* I* I*",
        },
        "findings": [
            ("wx-ae-triage", "must_do", "urgent", "Safe", "12", False,
             "Ensure every patient arriving at the emergency department has an initial clinical "
             "assessment within the 15-minute target: inspectors found patients waiting more than "
             "twice that long."),
            ("wx-eol-pain", "must_do", "life", "Caring", "12", False,
             "Ensure dying patients receive timely pain relief: inspectors saw patients in visible "
             "pain without help."),
            ("wx-surgery-staff", "must_do", "surgery", "Safe", "18", True,
             "Ensure enough suitably qualified nursing staff on surgical wards at all times."),
            ("wx-opd-backlog", "should_do", "outpatients", "Responsive", None, True,
             "Reduce the backlog of outpatient follow-up appointments."),
        ],
    },
    {
        "key": "wx-2019", "hospital": "R1HKH", "type": "comprehensive", "notice": "unannounced",
        "visit": (date(2018, 10, 9), date(2018, 10, 11)), "published": date(2019, 2, 1),
        "ref": "WX-2019", "illustrative": True,
        "summary": "Requires improvement overall, with Effective and Caring rated Good.",
        "grid": {
            "urgent":         "RI G G RI RI RI",
            "care":           "RI G G RI RI RI",
            "surgery":        "RI G G RI RI RI",
            "critical":       "G G G G G G",
            "maternity":      "RI G G G RI RI",
            "childrens":      "G G G G G G",
            "life":           "RI RI G RI RI RI",
            "npioutpatients": "RI IBNR G RI RI RI",
            "diagnostic":     "G - G RI G G",
            "hospital":       "RI G* G* RI RI RI*",
        },
        "findings": [
            ("wx-ae-mh", "must_do", "urgent", "Safe", "12", True,
             "Ensure mental health risk assessments are completed for every patient who needs one "
             "in the emergency department."),
            ("wx-vte", "should_do", "care", "Effective", None, True,
             "Improve the completion of venous thromboembolism risk assessments on medical wards."),
        ],
    },
    {
        "key": "wx-2022", "hospital": "R1HKH", "type": "focused", "notice": "unannounced",
        "visit": (date(2022, 8, 9), date(2022, 8, 10)), "published": date(2022, 11, 4),
        "ref": "WX-2022-MAT", "illustrative": True,
        "summary": "Focused maternity inspection; the hospital stayed Requires improvement overall.",
        "grid": {"npimaternity": "RI - - - RI RI"},
        "findings": [
            ("wx-mat-ctg", "must_do", "npimaternity", "Safe", "12", True,
             "Ensure all midwives and obstetricians complete annual fetal monitoring training."),
            ("wx-mat-staff", "must_do", "npimaternity", "Safe", "18", True,
             "Ensure midwifery staffing meets the assessed establishment on every shift."),
            ("wx-mat-triage", "should_do", "npimaternity", "Well-led", None, True,
             "Audit the maternity triage telephone line and act on the results."),
        ],
    },
    {
        # The trust's own mock inspection of Whipps Cross: internal, so never in the official
        # grid; the hospital page shows its grid beside the official one on request.
        "key": "wx-2023-mock", "hospital": "R1HKH", "source": "mock", "type": "comprehensive",
        "notice": "short_notice", "visit": (date(2023, 6, 6), date(2023, 6, 7)),
        "published": date(2023, 6, 20), "ref": "WX-MOCK-2023", "illustrative": True,
        "summary": "Mock inspection by the trust's quality team with peers from The Royal London.",
        "grid": {
            "urgent":       "RI G G RI RI RI",
            "surgery":      "G G G RI G G",
            "npimaternity": "RI G G G RI RI",
            "hospital":     "RI G G RI RI RI",
        },
        "findings": [],
    },
    {
        "key": "rl-2016", "hospital": "R1H12", "type": "comprehensive", "notice": "announced",
        "visit": (date(2016, 6, 20), date(2016, 6, 24)), "published": date(2016, 12, 16),
        "ref": "RL-2016", "illustrative": True, "summary": None,
        "grid": {
            "urgent": "RI G G RI RI RI", "care": "RI RI G RI RI RI",
            "surgery": "RI G G RI RI RI", "critical": "G G G G G G",
            "maternity": "RI RI G G RI RI", "childrens": "G G G G G G",
            "life": "RI RI G G RI RI", "npioutpatients": "RI IBNR G RI RI RI",
            "diagnostic": "RI - G G RI RI", "hospital": "RI RI G RI RI RI",
        },
        "findings": [],
    },
    {
        "key": "rl-2019", "hospital": "R1H12", "type": "comprehensive", "notice": "unannounced",
        "visit": (date(2018, 10, 2), date(2018, 10, 5)), "published": date(2019, 2, 1),
        "ref": "RL-2019", "illustrative": True, "summary": None,
        "grid": {
            "urgent": "RI G G RI G G", "care": "RI G G G G G",
            "surgery": "RI G G RI RI RI", "critical": "G O O G G O",
            "maternity": "RI G G G RI RI", "life": "G G G G G G",
            "npioutpatients": "G IBNR G RI G G", "hospital": "RI G G RI G RI",
        },
        "findings": [
            ("rl-theatres", "should_do", "surgery", "Safe", None, True,
             "Complete the five steps to safer surgery checklist for every theatre list."),
        ],
    },
    {
        "key": "sb-2019", "hospital": "R1HM0", "type": "comprehensive", "notice": "announced",
        "visit": (date(2018, 9, 25), date(2018, 9, 27)), "published": date(2019, 2, 1),
        "ref": "SB-2019", "illustrative": True, "summary": None,
        "grid": {
            "care": "G G G G G G", "surgery": "G G G G G G",
            "critical": "G O O G G O", "life": "G G O G G G",
            "npioutpatients": "G IBNR G RI G G", "diagnostic": "G - G G G G",
            "hospital": "G O G G G G",
        },
        "findings": [],
    },
    {
        "key": "nh-2016", "hospital": "R1HNH", "type": "comprehensive", "notice": "announced",
        "visit": (date(2016, 7, 5), date(2016, 7, 7)), "published": date(2016, 12, 16),
        "ref": "NH-2016", "illustrative": True, "summary": None,
        "grid": {
            "urgent": "I RI G RI RI RI", "care": "RI RI G RI RI RI",
            "maternity": "RI G G G RI RI", "hospital": "RI RI G RI RI RI",
        },
        "findings": [],
    },
    {
        "key": "nh-2019", "hospital": "R1HNH", "type": "focused", "notice": "unannounced",
        "visit": (date(2018, 11, 6), date(2018, 11, 7)), "published": date(2019, 2, 1),
        "ref": "NH-2019", "illustrative": True, "summary": None,
        "grid": {"urgent": "RI - - - RI RI", "maternity": "G - - - G G"},
        "findings": [],
    },
    {
        "key": "me-2019", "hospital": "R1H13", "type": "comprehensive", "notice": "announced",
        "visit": (date(2018, 10, 16), date(2018, 10, 17)), "published": date(2019, 2, 1),
        "ref": "ME-2019", "illustrative": True, "summary": None,
        "grid": {
            "care": "G G G G G G", "npioutpatients": "G IBNR G G G G",
            "diagnostic": "G - G G G G", "hospital": "G G G G G G",
        },
        "findings": [],
    },
    {
        "key": "trust-2019", "hospital": None, "type": "well_led", "notice": "announced",
        "visit": (date(2018, 11, 20), date(2018, 11, 22)), "published": date(2019, 2, 1),
        "ref": "R1H-WL-2019", "illustrative": True, "summary": "Trust-level well-led review.",
        "grid": {"trust": "RI G G RI RI RI"},
        "findings": [],
    },
]

ENFORCEMENT = [
    # (kind, hospital, department service, inspection key, regulation, start, deadline, end, text)
    ("special_measures", None, None, "wx-2015", None, date(2015, 3, 17), None, date(2019, 3, 28),
     "The trust was placed in special measures after Whipps Cross was rated Inadequate."),
    ("section_29a", "R1HKH", "surgery", "wx-2016", None, date(2016, 12, 16), date(2017, 3, 31),
     date(2019, 2, 1), "Significant improvement needed in surgery at Whipps Cross."),
    ("requirement_notice", "R1HKH", "urgent", "wx-2016", "12", date(2016, 12, 16), None,
     date(2019, 2, 1), "Initial assessment of patients in the emergency department."),
    ("requirement_notice", "R1HKH", "npimaternity", "wx-2022", "12", date(2022, 11, 4), None,
     None, "Fetal monitoring training and midwifery staffing in maternity."),
]

USERS = [
    # (email, name, role, job title, departments as (hospital code, service))
    ("quality@demo.quality-ledger.test", "Priya Nair", "quality",
     "Head of quality governance", []),
    ("ae-lead@demo.quality-ledger.test", "Dr Tom Okafor", "lead",
     "Clinical director, emergency medicine, Whipps Cross", [("R1HKH", "urgent")]),
    ("midwifery-lead@demo.quality-ledger.test", "Grace Mensah", "lead",
     "Head of midwifery, Whipps Cross",
     [("R1HKH", "npimaternity"), ("R1HKH", "maternity")]),
    ("surgery-lead@demo.quality-ledger.test", "Mr Daniel Webb", "lead",
     "Divisional director of surgery, Whipps Cross", [("R1HKH", "surgery"), ("R1HKH", "life")]),
    ("it-lead@demo.quality-ledger.test", "Sam Patel", "lead",
     "Director of IT infrastructure", [("R1H12", "diagnostic")]),
    ("board@demo.quality-ledger.test", "Helen Carter", "viewer", "Non-executive director", []),
    ("admin@demo.quality-ledger.test", "Alex Morgan", "admin", "System administrator", []),
]

INCIDENT = {
    "hospital": "R1H12",
    "title": "IT equipment failure took down pathology and imaging systems",
    "occurred_on": date(2017, 4, 20),
    "description": (
        "On Thursday 20 April a major IT equipment failure took down the pathology and imaging "
        "systems. 136 operations (about 2.5% of a week's in-patient activity) and several hundred "
        "chemotherapy appointments were cancelled."
    ),
}

# (hospital, department service or None, owner email, title, priority, due, findings or
#  "incident", history). History: (date, author, text, extra), a progress update; extra may
#  give "percent", "status" (with "reason"), "due" (new date, reason), "evidence" (file name,
#  title) on the update, or "change" (a workflow button: the text is its comment). With text
#  None, extra "upload" is evidence on the action: (file name, title, title of the document it
#  is a new version of, or None). The files are made in code (app/demo/documents.py).
ACTIONS = [
    ("R1HKH", "urgent", "ae-lead@demo.quality-ledger.test",
     "Introduce rapid assessment and triage at the emergency department front door", "high",
     date(2017, 6, 30), ["wx-ae-triage"], [
         (date(2017, 2, 1), "ae-lead", "Triage nurse rota agreed; pilot starts in March.", {"percent": 30}),
         (date(2017, 6, 20), "ae-lead", "Median time to initial assessment now 11 minutes.",
          {"status": "completed", "evidence": ("triage-times-june-2017.pdf", "Time to initial assessment, June 2017")}),
         (date(2017, 8, 1), "ae-lead", None, {"upload": ("triage-audit-draft.pdf", "Triage audit of 200 attendances", None)}),
         (date(2017, 8, 10), "ae-lead", None, {"upload": ("triage-audit-final.pdf", "", "Triage audit of 200 attendances")}),
         (date(2017, 8, 15), "quality", "Audit of 200 attendances confirms the target is met.", {"status": "verified"}),
     ]),
    ("R1HKH", "life", "surgery-lead@demo.quality-ledger.test",
     "Anticipatory prescribing and hourly pain assessment for patients at the end of life", "high",
     date(2017, 9, 30), ["wx-eol-pain"], [
         (date(2017, 9, 1), "surgery-lead", "Specialist palliative care team trained all ward sisters.",
          {"status": "completed", "evidence": ("hourly-pain-chart.png", "Hourly pain assessment chart")}),
         (date(2017, 11, 2), "quality", "Spot checks on six wards found pain assessed hourly.", {"status": "verified"}),
     ]),
    ("R1HKH", "urgent", "ae-lead@demo.quality-ledger.test",
     "Complete and audit mental health risk assessments in the emergency department", "high",
     date(2027, 1, 31), ["wx-ae-mh"], [
         (date(2026, 6, 2), "ae-lead", "New assessment form live in the electronic record.", {"status": "in_progress", "percent": 40}),
     ]),
    ("R1HKH", "npimaternity", "midwifery-lead@demo.quality-ledger.test",
     "All midwives and obstetricians complete annual fetal monitoring training", "high",
     date(2023, 3, 31), ["wx-mat-ctg"], [
         (date(2023, 3, 10), "midwifery-lead", "Training dates booked; 62% complete.", {"status": "in_progress", "percent": 62, "due": (date(2023, 9, 30), "Trainer on long-term leave.")}),
         (date(2023, 9, 20), "midwifery-lead", "81% complete; agency staff not yet covered.", {"percent": 81, "due": (date(2026, 9, 30), "Agency staff added to the scope of the action.")}),
     ]),
    ("R1HKH", "npimaternity", "midwifery-lead@demo.quality-ledger.test",
     "Recruit to the full midwifery establishment", "high",
     date(2027, 3, 31), ["wx-mat-staff"], []),
    ("R1HKH", "npimaternity", "midwifery-lead@demo.quality-ledger.test",
     "Audit the maternity triage telephone line quarterly", "medium",
     date(2026, 12, 31), ["wx-mat-triage"], [
         (date(2026, 11, 10), "midwifery-lead", "First two quarterly audits done and shared with the board.", {"status": "completed"}),
     ]),
    ("R1HKH", "care", "quality@demo.quality-ledger.test",
     "Raise VTE risk assessment completion on medical wards to 95%", "medium",
     date(2019, 9, 30), ["wx-vte"], [
         (date(2019, 7, 1), "quality", "Folded into the trust-wide VTE programme.", {"status": "cancelled", "reason": "Superseded by the trust-wide VTE improvement programme, which owns this work."}),
     ]),
    ("R1H12", "diagnostic", "it-lead@demo.quality-ledger.test",
     "Replace the failed storage array and add a second data-centre link", "high",
     date(2017, 10, 31), "incident", [
         (date(2017, 10, 20), "it-lead", "New array in service; second link live.", {"status": "completed"}),
         (date(2017, 12, 5), "quality", "Failover tested with pathology and imaging.", {"status": "verified"}),
     ]),
    ("R1H12", "diagnostic", "it-lead@demo.quality-ledger.test",
     "Test the pathology and imaging downtime contingency plan every six months", "high",
     date(2025, 10, 31), "incident", [
         (date(2025, 10, 20), "it-lead", "Supplier could not attend the autumn test.",
          {"due": (date(2026, 4, 30), "The storage supplier must attend the test; next available date is April.")}),
         (date(2026, 4, 24), "it-lead", "Test plan agreed with pathology and imaging.",
          {"due": (date(2026, 10, 31), "Moved to run with the spring business-continuity exercise.")}),
         (date(2026, 5, 14), "it-lead", "Spring test done; paper request forms ran out after 3 hours.",
          {"percent": 50, "evidence": ("downtime-test-report-may-2026.pdf", "Downtime test report, May 2026")}),
         (date(2026, 5, 20), "it-lead", "Both six-monthly tests are now in the IT calendar.", {"change": "complete"}),
         (date(2026, 6, 3), "quality", "The paper request forms ran out: show the new stock level and "
          "a second test that lasts the full downtime.", {"change": "send_back"}),
     ]),
    # Hospital-wide, so owned by the quality team: a lead can own only their departments' actions.
    ("R1H12", None, "quality@demo.quality-ledger.test",
     "Run a business-continuity drill for theatres when clinical systems fail", "medium",
     date(2026, 11, 15), "incident", []),
]
