"""Regulations a CQC breach cites: the Health and Social Care Act 2008 (Regulated Activities)
Regulations 2014. Source: DOMAIN.md (9-13 confirmed there; the rest as CQC lists them)."""

from __future__ import annotations

REGULATIONS: dict[str, str] = {
    "5": "Fit and proper persons: directors",
    "9": "Person-centred care",
    "9A": "Visiting and accompanying",
    "10": "Dignity and respect",
    "11": "Need for consent",
    "12": "Safe care and treatment",
    "13": "Safeguarding service users from abuse and improper treatment",
    "14": "Meeting nutritional and hydration needs",
    "15": "Premises and equipment",
    "16": "Receiving and acting on complaints",
    "17": "Good governance",
    "18": "Staffing",
    "19": "Fit and proper persons employed",
    "20": "Duty of candour",
    "20A": "Display of performance assessments",
}


def regulation_label(code: str) -> str:
    """'Regulation 12: Safe care and treatment' for a code such as '12' or '9a'."""
    canonical = code.strip().upper()
    if canonical not in REGULATIONS:
        raise ValueError(f"{code!r} is not a regulation of the 2014 Regulations")
    return f"Regulation {canonical}: {REGULATIONS[canonical]}"
