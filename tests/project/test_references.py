"""The reasons live in the repository: comments and docs cite only what a person who clones it has.

Design documents that were never part of the repository (a product decision list, a behavioural
spec, a style guide, the document the project started from) must not be cited by number or path;
their reasons are restated in docs/. Links into docs/ must name pages and anchors that exist.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Citations of documents outside the repository, as they were written before docs/ existed.
OUTSIDE = re.compile(
    r"DECISIONS(\.md)?\s*D\d|\bspec\s*§|(?<![A-Za-z0-9 ])§\s*\d|STYLE(\.md)?\s*B\.\d|\.\./shared|kms-spec\.md"
    r"|awscli-conventions|authorization\.md\b(?<!docs/authorization\.md)|seed document|creating-keys\.md"
)
# Standards are public and cited by section on purpose.
STANDARD = re.compile(r"(RFC|FIPS|SP 800-\w+|PKCS ?#\d+)\s+\d*\s*§")
DOC_LINK = re.compile(r"docs/([\w-]+\.md)(?:#([\w-]+))?")


def _tracked(*suffixes: str) -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / n for n in names if n.endswith(suffixes) and not n.startswith("tests/golden/snapshots/")]


def _outside_citations(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = OUTSIDE.search(line)
        if match and not STANDARD.search(line):
            found.append(f"{number}: {line.strip()}")
    return found


def test_no_source_comment_or_doc_cites_a_document_outside_the_repository() -> None:
    problems = {}
    for path in _tracked(".py", ".md", ".toml", "run"):
        if path == Path(__file__):
            continue
        found = _outside_citations(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(ROOT))] = found
    assert problems == {}


@pytest.mark.parametrize(
    ("line", "cites"),
    [
        # Spelled in pieces so that this file does not itself hold the citations it looks for.
        ("# kmscli has no custom key stores (" + "DECISIONS" + " D7).", True),
        ('"""Alias rules (spec ' + "§" + '2.3)."""', True),
        ("The order of steps is the AWS CLI's (awscli-conventions §4):", True),
        ("(" + "STYLE" + " B.8)", True),
        ("see ../" + "shared/spec", True),
        ("as the seed document shows it", True),
        ("# B has y = 4/5 and an even x (RFC 8032 §5.1).", False),
        ("# ML-DSA's message representative (FIPS 204 §6.2).", False),
        ("# The class name is the AWS error code (docs/decisions.md#names).", False),
    ],
)
def test_the_citation_check_tells_outside_documents_from_standards(line: str, cites: bool) -> None:
    assert bool(_outside_citations(line)) is cites


def test_every_link_into_docs_names_a_page_and_an_anchor_that_exist() -> None:
    broken = set()
    for path in _tracked(".py", ".md"):
        for page, anchor in DOC_LINK.findall(path.read_text(encoding="utf-8")):
            target = ROOT / "docs" / page
            if not target.exists():
                broken.add(f"{path.relative_to(ROOT)}: docs/{page}")
            elif anchor and f'<a id="{anchor}"></a>' not in target.read_text(encoding="utf-8"):
                broken.add(f"{path.relative_to(ROOT)}: docs/{page}#{anchor}")
    assert sorted(broken) == []


def test_readme_links_the_design_documents() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/architecture.md" in readme
    assert "docs/decisions.md" in readme
