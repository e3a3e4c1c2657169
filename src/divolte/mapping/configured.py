"""One configured mapping → its Avro schema and its record builder.

Shared by the collector and ``check-config``, so that a configuration that checks clean
also starts clean.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from divolte.config import MappingConfig
from divolte.enrich import Enrichment
from divolte.errors import DivolteError
from divolte.event import Event
from divolte.mapping.avro_encoder import default_schema, load_schema
from divolte.mapping.default import make_default_mapping
from divolte.mapping.dsl import MappingError, load_mapping
from divolte.types import Record

log = logging.getLogger("divolte.server")

RecordBuilder = Callable[[Event], Record]


def build_mapping(
    name: str, mapping: MappingConfig, enrichment: Enrichment, problems: list[str]
) -> tuple[dict[str, Any], RecordBuilder] | None:
    """The schema and record builder of mapping ``name``, or None with ``problems`` noted."""
    if mapping.mapping_script_file is None:
        # Without a script the reference maps with the built-in schema (CONFIG §8 quirk);
        # we do the same but also write files with that schema, so readers are not misled.
        if mapping.schema_file is not None:
            log.warning(
                "Mapping %s sets schema_file but no mapping_script_file: the built-in "
                "mapping and schema are used.",
                name,
            )
        return default_schema(), make_default_mapping(enrichment)
    key = f"divolte.mappings.{name}"
    try:
        schema = (
            default_schema() if mapping.schema_file is None else load_schema(mapping.schema_file)
        )
    except (OSError, DivolteError) as error:
        problems.append(f"{key}.schema_file: cannot load {mapping.schema_file}: {error}")
        return None
    try:
        build = load_mapping(mapping.mapping_script_file, schema, enrichment)
    except (OSError, MappingError) as error:
        problems.append(f"{key}.mapping_script_file: {error}")
        return None
    log.info("Mapping %s uses the script %s.", name, mapping.mapping_script_file)
    return schema, build
