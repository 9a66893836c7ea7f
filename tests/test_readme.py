"""The README's links work in a clone: files in the repository and headings that exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in path.read_text().splitlines()
            if line.startswith("#")}


def test_every_link_is_to_a_file_in_the_repository_or_a_heading() -> None:
    broken = []
    for doc in DOCS:
        for target in LINK.findall(doc.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            inside = file.is_relative_to(ROOT) and file.exists()
            if not inside or (anchor and anchor not in anchors(file)):
                broken.append(f"{doc.name}: {target}")
    assert broken == []


def test_no_link_leaves_the_repository() -> None:
    assert not any("](../" in doc.read_text() for doc in DOCS)
