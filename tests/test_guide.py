"""The French guide (docs/guide/) and the screenshots every role's journey takes for it agree:
every image a page shows exists, every screenshot the journey names is shown, no image is left
over, every link between the pages leads to a page and a heading, and the text is written as
the French write it."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from tests.browser.test_every_role_journey import GUIDE_IMAGES, SCREENSHOTS
from tests.french_typography import french_faults

GUIDE = GUIDE_IMAGES.parent
PAGES = sorted(GUIDE.glob("*.md"))
ROLE_PAGES = {"commune.md", "partenaire.md", "acheteur.md", "territoire.md"}
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+\s+(.+?)\s*$", re.MULTILINE)


def images(page: Path) -> list[str]:
    return [target for _alt, target in IMAGE.findall(page.read_text(encoding="utf-8"))]


def anchor(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub's, GitLab's) gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_there_is_an_index_and_one_page_per_role():
    assert {page.name for page in PAGES} == {"README.md", *ROLE_PAGES}


def test_every_image_the_guide_shows_exists():
    missing = [
        f"{page.name}: {target}"
        for page in PAGES
        for target in images(page)
        if not (GUIDE / target).is_file()
    ]
    assert missing == []


def test_every_screenshot_the_journey_takes_is_shown_once_and_none_is_left_over():
    shown = [Path(target).name for page in PAGES for target in images(page)]
    assert sorted(shown) == sorted(SCREENSHOTS)
    assert sorted(path.name for path in GUIDE_IMAGES.glob("*")) == sorted(SCREENSHOTS)


def test_each_role_page_shows_its_own_screenshots():
    for page in PAGES:
        if page.name in ROLE_PAGES:
            role = page.stem
            assert all(Path(target).name.startswith(f"{role}-") for target in images(page))


def test_every_screenshot_is_a_desktop_window():
    for name in SCREENSHOTS:
        assert png_size(GUIDE_IMAGES / name) == (1280, 800), name


def test_every_link_between_the_pages_leads_to_a_page_and_a_heading():
    anchors = {
        page.name: {anchor(heading) for heading in HEADING.findall(page.read_text())}
        for page in PAGES
    }
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            name, _, fragment = target.partition("#")
            name = name or page.name
            if name not in anchors or (fragment and fragment not in anchors[name]):
                broken.append(f"{page.name}: {target}")
    assert broken == []


def test_the_guide_reads_as_french():
    faults = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        # Commands and file names are not French text.
        text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
        text = re.sub(r"`[^`]*`|\]\([^)]*\)", "", text)
        # A line break inside a paragraph is a space.
        text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
        faults += [f"{page.name}: {fault}" for fault in french_faults(text)]
    assert faults == []
