"""Google's own description of its APIs (the discovery documents `sheets.v4.json` and
`drive.v3.json`, as shipped inside the google-api-python-client package) used to refuse, as
Google does, a request the real API would refuse: an unknown method, query parameter or body
field, a wrong type or enum value, a field mask naming no field, two kinds of request in one
element of a batchUpdate.

The answer is a 400 like Google's ("Invalid JSON payload received. Unknown name ..."), so a
bug in what the project sends fails the suite instead of a night's job on a real sheet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import googleapiclient

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
# Schemas that hold exactly one of their fields (a "union field" in Google's reference).
ONE_OF = ("Request", "DataFilter")
# The request kinds that carry a field mask, and the field the mask is relative to.
MASKED = {
    "UpdateSheetPropertiesRequest": "properties",
    "UpdateSpreadsheetPropertiesRequest": "properties",
    "UpdateDimensionPropertiesRequest": "properties",
    "RepeatCellRequest": "cell",
    "UpdateCellsRequest": "rows",
    "UpdateDeveloperMetadataRequest": "developerMetadata",
    "UpdateProtectedRangeRequest": "protectedRange",
}


_SCALARS = {
    "integer": ("TYPE_INT32", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "number": ("TYPE_DOUBLE", lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
    "boolean": ("TYPE_BOOL", lambda v: isinstance(v, bool)),
}


class Refused(ValueError):
    """What Google would answer with a 400 INVALID_ARGUMENT."""


@dataclass(frozen=True)
class Method:
    name: str
    http: str
    pattern: re.Pattern[str]
    parameters: dict[str, Any]
    request: str | None


@dataclass(frozen=True)
class Api:
    root: str
    schemas: dict[str, Any]
    methods: tuple[Method, ...]
    common: dict[str, Any]

    def method(self, http: str, path: str) -> Method:
        for m in self.methods:
            if m.http == http and m.pattern.fullmatch(path):
                return m
        raise Refused(f"no method {http} {path} in the discovery document")


def _methods(resource: dict[str, Any], service_path: str, prefix: str) -> list[Method]:
    out = []
    for name, m in resource.get("methods", {}).items():
        # {range} may hold slashes and colons; the other ids may not.
        regex = re.sub(
            r"\{(\+?)(\w+)\}",
            lambda g: "(.+)" if g[2] == "range" or g[1] else "([^/:]+)",
            re.escape(service_path + m["flatPath"]).replace(r"\{", "{").replace(r"\}", "}"),
        )
        out.append(
            Method(
                prefix + name,
                m["httpMethod"],
                re.compile(regex),
                m.get("parameters", {}),
                m.get("request", {}).get("$ref"),
            )
        )
    for sub_name, sub in resource.get("resources", {}).items():
        out += _methods(sub, service_path, f"{prefix}{sub_name}.")
    return out


@cache
def api(document: str) -> Api:
    doc = json.loads((DOCUMENTS / document).read_text(encoding="utf-8"))
    return Api(
        doc["rootUrl"],
        doc["schemas"],
        tuple(_methods(doc, doc.get("servicePath", ""), "")),
        doc.get("parameters", {}),
    )


def check_request(
    document: str, http: str, path: str, query: dict[str, list[str]], body: Any
) -> None:
    """Raise Refused with Google's wording when the request is not valid for the API."""
    described = api(document)
    method = described.method(http, path.lstrip("/"))
    for name, values in query.items():
        spec = method.parameters.get(name) or described.common.get(name)
        if spec is None:
            unknown = f'Unknown name "{name}": Cannot bind query parameter.'
            raise Refused(f"Invalid JSON payload received. {unknown}")
        for value in values:
            if "enum" in spec and value not in spec["enum"]:
                raise Refused(f"Invalid value at '{name}' ({spec.get('type')}), \"{value}\"")
    if method.request is None:
        return
    _check(described.schemas, body, {"$ref": method.request}, "")


def _check(schemas: dict[str, Any], value: Any, schema: dict[str, Any], where: str) -> None:
    ref = schema.get("$ref")
    if ref:
        schema = schemas[ref]
    kind = schema.get("type")
    here = where or "(root)"
    if kind == "object":
        if not isinstance(value, dict):
            raise Refused(f"Invalid value at '{here}': expected an object")
        props, extra = schema.get("properties", {}), schema.get("additionalProperties")
        if ref in ONE_OF and len(value) != 1:
            raise Refused(
                f"Invalid value at '{here}' ({ref}): exactly one of its kinds must be set, "
                f"not {sorted(value)}"
            )
        for key, item in value.items():
            inner = f"{where}.{key}" if where else key
            if key in props:
                _check(schemas, item, props[key], inner)
            elif extra is not None:
                _check(schemas, item, extra, inner)
            else:
                raise Refused(
                    f"Invalid JSON payload received. Unknown name \"{key}\" at '{here}': "
                    "Cannot find field."
                )
        if ref in MASKED and "fields" in value:
            target = props[MASKED[ref]]
            for path in str(value["fields"]).split(","):
                _check_mask(schemas, path.strip(), target, here)
    elif kind == "array":
        if not isinstance(value, list):
            raise Refused(f"Invalid value at '{here}': expected a list")
        for n, item in enumerate(value):
            _check(schemas, item, schema["items"], f"{where}[{n}]")
    elif kind == "string":
        ok = isinstance(value, str) or (
            schema.get("format") in ("int64", "uint64") and isinstance(value, int)
        )
        if not ok:
            raise Refused(f"Invalid value at '{here}' (TYPE_STRING), {value!r}")
        if "enum" in schema and value not in schema["enum"]:
            raise Refused(f"Invalid value at '{here}' (enum), \"{value}\"")
    elif kind in _SCALARS and not _SCALARS[kind][1](value):
        raise Refused(f"Invalid value at '{here}' ({_SCALARS[kind][0]}), {value!r}")
    # "any" (a cell's value in values requests): anything JSON holds.


def _check_mask(schemas: dict[str, Any], path: str, schema: dict[str, Any], where: str) -> None:
    if path == "*":
        return
    for part in path.split("."):
        if "$ref" in schema:
            schema = schemas[schema["$ref"]]
        if schema.get("type") == "array":
            schema = schema["items"]
            schema = schemas[schema["$ref"]] if "$ref" in schema else schema
        props = schema.get("properties", {})
        if part not in props:
            raise Refused(
                f"Invalid requests at '{where}': field mask \"{path}\" names no field "
                f'("{part}" is not a field here)'
            )
        schema = props[part]
