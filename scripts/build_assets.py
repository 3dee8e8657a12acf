"""Copy the NHS.UK frontend's precompiled CSS, JS and images into app/static/vendor/nhsuk.

Run by `make assets` after `npm ci`. Two changes are made to the CSS on the way:
- the @font-face rules are removed, because their web-font URLs would make every page load
  reach the internet (the brief: no request leaves the machine); the stack falls back to Arial,
  which Debian provides as Liberation Sans;
- absolute `/assets/...` URLs become relative to the copied stylesheet, so the images are served
  from our own static folder and the same file works inside WeasyPrint.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
TARGET = ROOT / "app" / "static" / "vendor" / "nhsuk"

FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
ABSOLUTE_ASSETS = re.compile(r"url\((['\"]?)/assets/")


def _single(pattern: str) -> Path:
    matches = sorted(SOURCE.glob(pattern))
    if len(matches) != 1:
        sys.exit(f"expected one {pattern} in {SOURCE}, found {len(matches)}: run `npm ci` first")
    return matches[0]


def build() -> None:
    css = _single("nhsuk-frontend-[0-9]*.min.css").read_text(encoding="utf-8")
    css = FONT_FACE.sub("", css)
    css = ABSOLUTE_ASSETS.sub(r"url(\1assets/", css)
    if "https://" in css or "http://" in css:
        sys.exit("the NHS.UK CSS still references a remote URL after clean-up")
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET / "assets").mkdir(parents=True)
    (TARGET / "nhsuk-frontend.min.css").write_text(css, encoding="utf-8")
    shutil.copyfile(_single("nhsuk-frontend-[0-9]*.min.js"), TARGET / "nhsuk-frontend.min.js")
    shutil.copytree(SOURCE / "assets" / "images", TARGET / "assets" / "images")
    print(f"NHS.UK frontend copied to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    build()
