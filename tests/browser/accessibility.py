"""An axe-core check of the pages a journey visits, and the screenshots the guide shows.

axe-core is the engine ``axe-playwright-python`` ships (its ``axe.min.js``, installed from PyPI
with the other test dependencies): nothing is downloaded when the tests run. A journey calls
``look(tab)`` on each page it reaches; each page's kind (its path, with numbers and device codes
put aside) is checked once unless asked again, and every page a followed tab loaded must have
been looked at by the end, so that a new step cannot skip the check.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python

AXE_SCRIPT = Path(axe_playwright_python.__file__).with_name("axe.min.js")
# The impacts that fail a journey; "minor" and "moderate" findings are left to review.
FAILING_IMPACTS = ("serious", "critical")
RUN_AXE = """async (impacts) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((violation) => impacts.includes(violation.impact))
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(" ")),
    }));
}"""

_NUMBER = re.compile(r"/\d+(?=/|$)")
# Device codes: eight capitals and digits, at least one digit (never a word of a path).
_CODE = re.compile(r"/(?=[0-9A-Z]*\d)[0-9A-Z]{8}(?=/|$)")


def page_kind(url: str) -> str:
    """The page a URL shows, whatever object: ``/reuse/devices/<code>/erasure/``."""
    path = urlsplit(url).path
    return _NUMBER.sub("/<n>", _CODE.sub("/<code>", path))


class AccessibilityCheck:
    """Runs axe-core on the pages a journey looks at, and lists the serious and critical
    violations with the page, the rule and the elements concerned."""

    def __init__(self) -> None:
        self.script = AXE_SCRIPT.read_text(encoding="utf-8")
        self.loaded: set[str] = set()
        self.checked: set[str] = set()
        self.violations: list[str] = []

    def follow(self, tab) -> None:
        """Notes every page ``tab`` loads, to find those the journey did not look at."""
        tab.on("load", lambda: self.loaded.add(page_kind(tab.url)))

    def check(self, tab, *, again: bool = False) -> None:
        kind = page_kind(tab.url)
        if kind in self.checked and not again:
            return
        tab.wait_for_load_state("load")
        if not tab.evaluate("() => typeof window.axe !== 'undefined'"):
            tab.evaluate(self.script)
        for violation in tab.evaluate(RUN_AXE, list(FAILING_IMPACTS)):
            nodes = ", ".join(violation["nodes"][:5])
            self.violations.append(
                f"{kind}: {violation['rule']} ({violation['impact']}): {violation['help']}; {nodes}"
            )
        self.checked.add(kind)

    def unchecked(self) -> list[str]:
        return sorted(self.loaded - self.checked)
