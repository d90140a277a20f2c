#!/usr/bin/env python3
"""Checks that every relative link in README.md, CHANGELOG.md and docs/ resolves: the file (or
folder) it names exists, and an anchor (`file.md#heading`, `#heading`) names a heading of that
Markdown file, slugged as GitHub does. Prints one line per broken link and a closing
`links: N passed, M failed`; exits 1 when any is broken.
Usage: tests/links.py [ROOT]   (default: the repository this script is in)"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$")


def slug(heading):
    """GitHub's anchor of a heading: lowercase, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def outside_fences(text):
    """The lines of `text` outside fenced code blocks."""
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            yield line


def anchors(path):
    return {slug(m.group(1)) for line in outside_fences(path.read_text()) if (m := HEADING.match(line))}


files = [root / "README.md", root / "CHANGELOG.md", *sorted((root / "docs").rglob("*.md"))]
passed = failed = 0
for source in files:
    for line in outside_fences(source.read_text()):
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # http:, https:, mailto:
            path, _, anchor = target.partition("#")
            dest = (source.parent / path).resolve() if path else source
            problem = None
            if not dest.exists():
                problem = "no such file"
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problem = f"no heading #{anchor} in {dest.relative_to(root)}"
            if problem:
                failed += 1
                print(f"FAIL {source.relative_to(root)}: ({target}): {problem}")
            else:
                passed += 1
print(f"links: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
