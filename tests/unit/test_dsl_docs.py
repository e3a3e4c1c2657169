"""The examples in docs/mappings.md load (both the Groovy and the Python one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from divolte.enrich import NoEnrichment
from divolte.mapping.dsl import compile_mapping_text
from divolte.mapping.python_mapping import compile_python_mapping

DOC = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"
EXAMPLES = re.findall(r"```(groovy|python)\n(.*?)```", DOC.read_text(), re.S)
FIELDS = {"ts": "long", "remoteHost": "string", "location": "string", "path": "string"}
FIELDS.update({"searchPhrase": "string", "pageType": "string", "pseudo": "string"})
SCHEMA = {
    "type": "record",
    "name": "Shop",
    "fields": [
        *({"name": n, "type": ["null", t], "default": None} for n, t in FIELDS.items()),
        {"name": "tags", "type": ["null", {"type": "array", "items": "string"}], "default": None},
    ],
}


@pytest.mark.parametrize(("kind", "code"), EXAMPLES, ids=[kind for kind, _ in EXAMPLES])
def test_documented_example_loads(kind: str, code: str, tmp_path: Path) -> None:
    if kind == "groovy":
        compile_mapping_text(code, "example.groovy", SCHEMA, NoEnrichment())
    else:
        path = tmp_path / "example.py"
        path.write_text(code)
        compile_python_mapping(str(path), SCHEMA, NoEnrichment())
