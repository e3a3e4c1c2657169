"""The reference block in docs/configuration.md is the code's own rendering of the defaults."""

from __future__ import annotations

from pathlib import Path

from divolte.config import describe, load_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_configuration_reference_matches_the_model() -> None:
    rendered = describe(load_config(None, env={}), docs=True).rstrip()
    text = DOC.read_text()
    block = text.split("```hocon\n")[-1].split("\n```")[0]
    assert block == rendered, "run scripts/regen-config-docs"
