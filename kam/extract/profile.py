"""Profiles: YAML files that map a vendor's export onto the canonical layout (docs/profiles.md).

A profile names, per canonical table, the files to read (glob patterns, optional sheet),
the header aliases of each canonical column, value vocabularies, row filters and how rows
are deduplicated. Every profile except `canonical` extends `canonical`: tables it does not
define are read as canonical files, and its vocabularies add to the canonical ones.
The format is documented in docs/profiles.md.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kam.errors import UsageError
from kam.schema import TABLES

# Shipped beside the package code (package data), one YAML file per profile.
BUILT_IN_DIR = Path(str(files("kam.extract") / "profiles"))  # package data


class KeepWhen(BaseModel):
    """Keep only rows whose source column (first alias found) has one of `values`."""

    model_config = ConfigDict(extra="forbid")
    columns: list[str]
    values: list[str]


class Derived(BaseModel):
    """A canonical column built from several export columns, row by row.

    `join`: the non-empty values of the columns found, joined by `separator`
    (First Name + Last Name -> name). `first_of`: the first non-empty value of the columns
    found, in order (Mobile, else Phone). Either way at least one column must be present.
    """

    model_config = ConfigDict(extra="forbid")
    join: list[str] = Field(default_factory=list)
    separator: str = " "
    first_of: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_rule(self) -> Derived:
        if bool(self.join) == bool(self.first_of):
            raise ValueError("a derived column has exactly one of join or first_of")
        return self

    @property
    def sources(self) -> list[str]:
        return self.join or self.first_of


class Link(BaseModel):
    """The export names the referenced record by another column than its key (a customer
    name instead of its id): look the value up in `table`'s `by` column and land the key."""

    model_config = ConfigDict(extra="forbid")
    table: str
    by: str


class TableFormats(BaseModel):
    """Formats of one table's files, each overriding the profile's `formats` when set."""

    model_config = ConfigDict(extra="forbid")
    encoding: str | None = None
    delimiter: str | None = None
    decimal: Literal[".", ",", "auto"] | None = None
    day_first: bool | None = None
    date_formats: list[str] | None = None


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[str] = Field(min_length=1)  # glob patterns, matched case-insensitively
    sheet: str | None = None  # XLSX/XLS sheet name; default the first sheet
    header_row: int = Field(1, ge=1)  # physical row of the header (title rows counted)
    formats: TableFormats = Field(default_factory=TableFormats)
    columns: dict[str, list[str]] = Field(default_factory=dict)  # canonical -> aliases
    derived: dict[str, Derived] = Field(default_factory=dict)  # canonical -> rule
    links: dict[str, Link] = Field(default_factory=dict)  # canonical -> lookup
    constants: dict[str, str] = Field(default_factory=dict)  # canonical -> fixed value
    defaults: dict[str, str] = Field(default_factory=dict)  # used when no header matches
    values: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    keep_when: list[KeepWhen] = Field(default_factory=list)
    updated_at: list[str] = Field(default_factory=list)  # aliases of an updated-at column
    distinct: bool = False  # one row per key (a table derived from another table's file)


class Formats(BaseModel):
    model_config = ConfigDict(extra="forbid")
    encoding: str = "auto"  # auto | utf-8 | utf-8-sig | gb18030 | gbk | utf-16 | ...
    delimiter: str = "auto"  # auto | , | ; | \t | |
    decimal: Literal[".", ",", "auto"] = "."
    day_first: bool = False  # 10/01/2026 is 1 October (false) or 10 January (true)
    date_formats: list[str] = Field(default_factory=list)  # extra strptime formats, tried first


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    extends: str | None = "canonical"
    formats: Formats = Field(default_factory=Formats)
    tables: dict[str, TableSpec] = Field(default_factory=dict)
    source: str = ""  # where it was loaded from

    @field_validator("tables")
    @classmethod
    def _known_tables_and_columns(cls, tables: dict[str, TableSpec]) -> dict[str, TableSpec]:
        for name, spec in tables.items():
            if name not in TABLES:
                raise ValueError(f"unknown table '{name}'; canonical tables: {', '.join(TABLES)}")
            known = set(TABLES[name].column_names)
            for column in [*spec.columns, *spec.constants, *spec.defaults, *spec.values,
                           *spec.derived, *spec.links]:
                if column not in known:
                    raise ValueError(f"{name}: unknown column '{column}'")
            for column in spec.derived:
                if column in spec.columns or column in spec.constants:
                    raise ValueError(f"{name}: column '{column}' is both derived and mapped")
            for column, link in spec.links.items():
                target = TABLES.get(link.table)
                if target is None or link.by not in target.column_names:
                    raise ValueError(f"{name}: link of '{column}': unknown column "
                                     f"'{link.table}.{link.by}'")
        return tables

    def formats_for(self, table: str) -> Formats:
        """The profile's formats with the table's own settings laid over them."""
        own = self.tables[table].formats.model_dump(exclude_none=True)
        return self.formats.model_copy(update=own)

    def aliases(self, table: str) -> dict[str, list[str]]:
        """Canonical column -> header aliases; the canonical name itself always matches."""
        spec = self.tables[table]
        return {c: [*spec.columns.get(c, []), c] for c in TABLES[table].column_names
                if c not in spec.constants and c not in spec.derived}


def built_in_names() -> list[str]:
    return sorted(p.name[: -len(".yaml")] for p in BUILT_IN_DIR.iterdir()
                  if p.name.endswith(".yaml"))


def _read_yaml(text: str, origin: str) -> Profile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        message = f"profile {origin} is not valid YAML: {error}".replace("\n", " ")
        raise UsageError(message) from None
    if not isinstance(data, dict):
        raise UsageError(f"profile {origin} must be a YAML mapping with name and tables")
    try:
        profile = Profile.model_validate({**data, "source": origin})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"profile {origin}: {where}: {first['msg']}") from None
    return profile


def _merge(base: Profile, child: Profile) -> Profile:
    tables = {name: spec.model_copy(deep=True) for name, spec in base.tables.items()}
    tables.update(child.tables)
    for name, spec in child.tables.items():
        inherited = base.tables.get(name)
        if inherited is None:
            continue
        for column, vocabulary in inherited.values.items():
            mine = spec.values.setdefault(column, {})
            for canonical, synonyms in vocabulary.items():
                mine[canonical] = [*mine.get(canonical, []), *synonyms]
    return child.model_copy(update={"tables": tables})


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name, or a user's YAML file by path, merged over its base."""
    return _load(name_or_path, ())


def _load(name_or_path: str | Path, chain: tuple[str, ...]) -> Profile:
    """`chain`: the profiles already being loaded below this one, to refuse a cycle."""
    text_name = str(name_or_path)
    path = Path(text_name)
    if text_name.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise UsageError(f"profile file not found: {path}")
        profile = _read_yaml(path.read_text(encoding="utf-8"), str(path))
    elif text_name in built_in_names():
        resource = BUILT_IN_DIR / f"{text_name}.yaml"
        profile = _read_yaml(resource.read_text(encoding="utf-8"), text_name)
    else:
        raise UsageError(f"unknown profile '{text_name}'; built-in profiles: "
                         f"{', '.join(built_in_names())} (or pass a path to a .yaml file)")
    if profile.extends:
        if profile.extends == profile.name:
            raise UsageError(f"profile {profile.source} extends itself")
        here = _identity(text_name)
        if here in chain:
            cycle = " -> ".join([*chain[chain.index(here):], here])
            raise UsageError(f"profile {profile.source}: 'extends' goes round in a circle: "
                             f"{cycle}", hint="make one of them extend canonical")
        profile = _merge(_load(profile.extends, (*chain, here)), profile)
    missing = [t for t in TABLES if t not in profile.tables]
    if missing:
        raise UsageError(f"profile {profile.source} does not map tables: {', '.join(missing)}")
    return profile


def _identity(name_or_path: str) -> str:
    """The same profile file under two spellings (a.yaml, ./a.yaml) is one link of a chain."""
    path = Path(name_or_path)
    return str(path.resolve()) if path.is_file() else name_or_path


def list_profiles() -> list[dict[str, str]]:
    """Built-in profiles: name, description and the file they are read from."""
    return [
        {"name": p.name, "description": p.description, "path": str(BUILT_IN_DIR / f"{n}.yaml")}
        for n in built_in_names()
        for p in [load_profile(n)]
    ]
