"""How a configuration key is declared: one dataclass field with its type, default and doc.

Every setting of the model is written as ``name: Type = setting(default, "doc")``. The binder,
the validator's messages, :func:`divolte.config.describe` and the reference docs all read these
declarations, so a key's name, type, default and documentation live in exactly one place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

T = TypeVar("T")

METADATA_KEY: Final = "divolte"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What the binder needs to know about one key beyond its Python type."""

    doc: str
    """One line for the reference docs and ``check-config``."""
    key: str | None = None
    """The HOCON key when it differs from the attribute name (``global_`` → ``global``)."""
    alias: str | None = None
    """An old name that is still accepted, holding whole milliseconds (DESIGN §2)."""
    bits: int = 32
    """Width of an integer key: 16 (Java short), 32 (int) or 64 (long)."""
    ignore_case: bool = False
    """Enumerated values are compared case-insensitively and stored lower-case."""
    default_doc: str | None = None
    """How to describe a default that is computed rather than fixed."""
    minimum: Any = None
    """The smallest allowed value (an ``int`` or a ``Duration``); None: no lower bound."""
    maximum: Any = None
    """The largest allowed value; None: no upper bound."""
    above: Any = None
    """Values must be greater than this (an exclusive lower bound, e.g. a zero duration)."""
    rule: Callable[[str], None] | None = None
    """A further check of a string value, or of each entry of a list or properties object;
    raises ``ValueError`` saying what is wrong and what is allowed."""

    def allowed(self) -> str | None:
        """The bounds in words (``1 or more``, ``0 to 65535``), or None without bounds."""
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"{self.minimum} or more"
        if self.above is not None:
            return f"more than {self.above}"
        if self.maximum is not None:
            return f"{self.maximum} or less"
        return None

    def in_bounds(self, value: Any) -> bool:
        """Whether ``value`` (not None) lies within the bounds."""
        return (
            (self.minimum is None or value >= self.minimum)
            and (self.maximum is None or value <= self.maximum)
            and (self.above is None or value > self.above)
        )


def setting(default: T, doc: str, **info: Any) -> T:
    """A key with a fixed (immutable) default."""
    return dataclasses.field(default=default, metadata={METADATA_KEY: KeyInfo(doc, **info)})


def setting_factory(factory: Callable[[], T], doc: str, **info: Any) -> T:
    """A key whose default is built fresh for every instance (dicts, nested sections)."""
    return dataclasses.field(default_factory=factory, metadata={METADATA_KEY: KeyInfo(doc, **info)})


def required(doc: str, **info: Any) -> Any:
    """A key without a default: leaving it out is a configuration error."""
    return dataclasses.field(metadata={METADATA_KEY: KeyInfo(doc, **info)})


def key_info(field: dataclasses.Field[Any]) -> KeyInfo:
    """The declaration of ``field``; every model field has one."""
    info = field.metadata.get(METADATA_KEY)
    if not isinstance(info, KeyInfo):
        raise TypeError(f"model field {field.name!r} was not declared with setting()")
    return info


def hocon_key(field: dataclasses.Field[Any]) -> str:
    """The key users write in their configuration for ``field``."""
    return key_info(field).key or field.name


def model_fields(cls: type[Any]) -> tuple[dataclasses.Field[Any], ...]:
    """The declared keys of a model class, in declaration order."""
    return dataclasses.fields(cls)
