"""The teaching guide (docs/teaching-guide.md) and the README's first screen keep up with the
lessons: every lesson has its section in the guide, naming the lesson's slider panel and its
exercises, and the README's first screen lists every lesson with its Colab link."""

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "teaching-guide.md"
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PANEL_CALL = re.compile(r"^widgets\.(\w+_panel)\(\)\s*$", re.MULTILINE)
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"][
    "Repository"
].removeprefix("https://github.com/")
EXERCISE = re.compile(r"\*\*Exercise (\d+)")


def lesson(path: Path) -> tuple[str, list[str]]:
    """The lesson's short title (its first heading, without a subtitle after a colon) and
    the sources of its cells."""
    cells = json.loads(path.read_text())["cells"]
    sources = ["".join(cell["source"]) for cell in cells]
    return sources[0].splitlines()[0].lstrip("# ").split(":")[0].strip(), sources


def guide_section(title: str) -> str:
    """The text of the guide's section headed by the lesson's title, up to the next one."""
    sections = re.split(r"^## ", GUIDE.read_text(), flags=re.MULTILINE)
    matching = [s for s in sections if s.splitlines()[0].strip() == title]
    assert len(matching) == 1, f"the guide needs one section '## {title}'"
    return matching[0]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_a_full_section_in_the_guide(path):
    title, sources = lesson(path)
    section = guide_section(title)
    for part in [
        "**Learning goals.**",
        "**Class time.**",
        "**On the projector**",
        "**Discussion questions.**",
        "**Typical mistakes.**",
        "**Exercises.**",
    ]:
        assert part in section, f"{title}: {part}"
    for panel in PANEL_CALL.findall("\n".join(sources)):
        assert f"`{panel}`" in section, f"{title}: the guide does not name its panel {panel}"
    exercises = sorted({int(n) for s in sources for n in EXERCISE.findall(s)})
    for number in exercises:
        assert f"({number})" in section.split("**Exercises.**")[1], f"{title}: exercise {number}"


def test_the_guide_ends_with_the_reading():
    text = GUIDE.read_text()
    after = text.split("## After the lab")[1]
    for work in ["Schaul", "Zhang", "Sutton", "Lin"]:
        assert work in after


def test_readme_first_screen_is_for_students_and_teachers():
    readme = (ROOT / "README.md").read_text()
    first = readme.split("## Quick start")[0]
    assert first.index("## For students") < first.index("## For teachers")
    assert "(docs/teaching-guide.md)" in first and "`make demo`" in first
    assert "`make lab`" in first and "`make site`" in first
    for path in LESSONS:
        title, _ = lesson(path)
        colab = f"colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{path.name}"
        assert f"[{title}](notebooks/{path.name})" in first, title
        assert colab in first, f"{title}: no Colab link on the README's first screen"
