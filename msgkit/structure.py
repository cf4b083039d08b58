"""A fast structural check compiled from a bundled JSON Schema.

``msgkit lint`` checks every message document against ``message.schema.json``. Importing
jsonschema costs more than linting a whole commit's worth of files, so the common case (a valid
document) is decided by a small predicate compiled here, at import, from the schema itself: it is
a translation of the schema, not a second copy of its rules. Any keyword the compiler does not
know makes it refuse, and callers then always ask jsonschema. A failing document is always
explained by jsonschema; a property test proves the predicate agrees with jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from .schemas import schema, schema_names

__all__ = ["UnsupportedSchemaError", "compile_schema", "is_valid"]

Check = Callable[[object], bool]

# Keywords that only annotate: they never change what is valid.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}
)


class UnsupportedSchemaError(Exception):
    """The schema uses a keyword the compiler cannot translate faithfully."""


def _is_type(instance: object, name: str) -> bool:
    # The same answers as jsonschema's Draft 2020-12 type checker.
    if name == "string":
        return isinstance(instance, str)
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "null":
        return instance is None
    if name == "integer":
        if isinstance(instance, bool):
            return False
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    if name == "number":
        return isinstance(instance, (int, float)) and not isinstance(instance, bool)
    raise UnsupportedSchemaError(f"type {name!r}")


class _Compiler:
    """Writes one small Python function per subschema, then ``exec``s them all at once.

    Generated code, not nested closures, because the hot path runs once per linted file.
    """

    def __init__(self) -> None:
        self._documents: dict[str, Any] = {}
        self._refs: dict[tuple[str, str], str] = {}
        self._source: list[str] = []
        self._namespace: dict[str, Any] = {"_is_type": _is_type}
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"_{prefix}{self._count}"

    def _constant(self, value: object) -> str:
        name = self._name("c")
        self._namespace[name] = value
        return name

    def ref(self, base: str, ref: str) -> str:
        document, _, pointer = ref.partition("#")
        name = document.removesuffix(".schema.json") if document else base
        if name not in schema_names():
            raise UnsupportedSchemaError(f"$ref to {ref!r}")
        key = (name, pointer)
        if key not in self._refs:
            # Named before compiling, so a recursive $ref finds itself.
            self._refs[key] = function = self._name("ref")
            node: Any = self._documents.setdefault(name, schema(name))
            for part in filter(None, pointer.split("/")):
                step = part.replace("~1", "/").replace("~0", "~")
                node = node[int(step)] if isinstance(node, list) else node[step]
            target = self.compile(node, name)
            self._source.append(f"def {function}(x):\n    return {target}(x)\n")
        return self._refs[key]

    def compile(self, node: Mapping[str, Any] | bool, base: str) -> str:
        """Compile ``node``; return the name of the function that checks it."""
        function = self._name("v")
        body: list[str] = []
        if node is False:
            body.append("return False")
        elif node is not True:
            assert isinstance(node, Mapping)
            for keyword, value in node.items():
                if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                    continue
                body.extend(self._keyword(keyword, value, node, base))
        body.append("return True")
        self._source.append(f"def {function}(x):\n" + "".join(f"    {s}\n" for s in body))
        return function

    def _keyword(self, keyword: str, value: Any, node: Mapping[str, Any], base: str) -> list[str]:
        fail = "return False"
        if keyword == "$ref":
            return [f"if not {self.ref(base, value)}(x): {fail}"]
        if keyword == "type":
            names = (value,) if isinstance(value, str) else tuple(value)
            for name in names:
                _is_type(None, name)  # refuses unknown type names now, not while linting
            exact = {"string": "str", "object": "dict", "array": "list"}
            if len(names) == 1 and names[0] in exact:
                return [f"if not isinstance(x, {exact[names[0]]}): {fail}"]
            tests = " or ".join(f"_is_type(x, {name!r})" for name in names)
            return [f"if not ({tests}): {fail}"]
        if keyword == "properties":
            lines = ["if isinstance(x, dict):"]
            for key, sub in value.items():
                check = self.compile(sub, base)
                lines.append(f"    if {key!r} in x and not {check}(x[{key!r}]): {fail}")
            return lines if len(lines) > 1 else []
        if keyword == "required":
            needed = self._constant(frozenset(value))
            return [f"if isinstance(x, dict) and not {needed}.issubset(x): {fail}"]
        if keyword == "additionalProperties":
            if "patternProperties" in node:
                raise UnsupportedSchemaError("patternProperties")
            known = self._constant(frozenset(node.get("properties", {})))
            if value is False:
                return [f"if isinstance(x, dict) and not {known}.issuperset(x): {fail}"]
            extra = self.compile(value, base)
            return [
                "if isinstance(x, dict):",
                "    for k in x:",
                f"        if k not in {known} and not {extra}(x[k]): {fail}",
            ]
        if keyword == "items":
            item = self.compile(value, base)
            return [
                "if isinstance(x, list):",
                "    for e in x:",
                f"        if not {item}(e): {fail}",
            ]
        if keyword in ("oneOf", "anyOf", "allOf"):
            calls = [f"{self.compile(sub, base)}(x)" for sub in value]
            if keyword == "oneOf":
                return [f"if ({' + '.join(calls)}) != 1: {fail}"]
            joined = " or ".join(calls) if keyword == "anyOf" else " and ".join(calls)
            return [f"if not ({joined}): {fail}"]
        if keyword == "not":
            return [f"if {self.compile(value, base)}(x): {fail}"]
        if keyword == "maxLength":
            return [f"if isinstance(x, str) and len(x) > {int(value)}: {fail}"]
        if keyword == "minLength":
            return [f"if isinstance(x, str) and len(x) < {int(value)}: {fail}"]
        if keyword == "pattern":
            regex = self._constant(re.compile(value))
            return [f"if isinstance(x, str) and not {regex}.search(x): {fail}"]
        if keyword in ("minimum", "maximum"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise UnsupportedSchemaError(f"{keyword} {value!r}")
            compare = "<" if keyword == "minimum" else ">"
            number = "isinstance(x, (int, float)) and not isinstance(x, bool)"
            return [f"if {number} and x {compare} {value}: {fail}"]
        if keyword in ("enum", "const"):
            options = tuple(value) if keyword == "enum" else (value,)
            # jsonschema's equality has subtleties for numbers and booleans; strings are plain.
            if not all(isinstance(option, str) for option in options):
                raise UnsupportedSchemaError(f"{keyword} with non-string values")
            allowed = self._constant(frozenset(options))
            return [f"if not (isinstance(x, str) and x in {allowed}): {fail}"]
        raise UnsupportedSchemaError(keyword)

    def build(self, name: str, pointer: str = "") -> Check:
        entry = self.ref(name, "#" + pointer)
        exec("\n".join(self._source), self._namespace)
        check: Check = self._namespace[entry]
        return check

    @property
    def source(self) -> str:
        return "\n".join(self._source)


def compile_schema(name: str, pointer: str = "") -> Check:
    """A predicate that accepts exactly what the bundled schema ``name`` accepts (or its part at
    the JSON pointer ``pointer``, such as ``/properties/max_digits``).

    Raises :class:`UnsupportedSchemaError` when the schema uses a keyword it cannot translate.
    """
    return _Compiler().build(name, pointer)


@cache
def _checker(name: str) -> Check | None:
    try:
        return compile_schema(name)
    except UnsupportedSchemaError:
        return None


def is_valid(name: str, instance: object) -> bool | None:
    """Whether ``instance`` is valid against schema ``name`` (``None``: ask jsonschema)."""
    check = _checker(name)
    if check is None:
        return None
    try:
        return check(instance)
    except RecursionError:
        return None
