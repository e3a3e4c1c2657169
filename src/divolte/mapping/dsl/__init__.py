"""Divolte's mapping language: Groovy-syntax mapping scripts, loaded once into a plan.

    source text → _lexer (tokens with positions) → _parser (Pratt parser → _ast)
                → _interpreter (runs the script once against a _builder.Builder)
                → _plan (a tree of plain callables run per event)

:func:`compile_mapping_script` is the entry point. The package stays import-light: the
implementation modules load when a script is compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._errors import MappingError, MappingRuntimeError, Pos

if TYPE_CHECKING:
    from divolte.enrich import Enrichment
    from divolte.event import Event

__all__ = [
    "MappingError",
    "MappingRuntimeError",
    "Pos",
    "compile_mapping_script",
    "compile_mapping_text",
    "load_mapping",
]


def compile_mapping_script(
    path: str, schema: dict[str, Any], enrichment: Enrichment
) -> Callable[[Event], dict[str, Any]]:
    """Load a mapping script; the result maps one event to a record dict for the encoder.

    Raises MappingError (file, line, column, the line with a caret) when the script cannot be
    read, does not parse, or maps something the schema does not accept (MAPPING §9.1).
    """
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as exc:
        raise MappingError(f"cannot read mapping script {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise MappingError(f"mapping script {path} is not UTF-8 text: {exc}") from exc
    return compile_mapping_text(text, path, schema, enrichment)


def compile_mapping_text(
    text: str, path: str, schema: dict[str, Any], enrichment: Enrichment
) -> Callable[[Event], dict[str, Any]]:
    """Like :func:`compile_mapping_script`, for a script given as text (``path`` names it)."""
    from ._builder import Builder
    from ._interpreter import Interpreter
    from ._parser import parse

    script = parse(text, path)
    builder = Builder(schema, enrichment, path)
    Interpreter(builder).run(script)
    return builder.compile()


def load_mapping(
    path: str, schema: dict[str, Any], enrichment: Enrichment
) -> Callable[[Event], dict[str, Any]]:
    """A mapping from a file: a Python module when ``path`` ends in ``.py``, else a script."""
    if path.endswith(".py"):
        from divolte.mapping.python_mapping import compile_python_mapping

        return compile_python_mapping(path, schema, enrichment)
    return compile_mapping_script(path, schema, enrichment)
