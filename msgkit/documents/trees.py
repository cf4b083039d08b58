"""Finding keys and values in the text of a JSON or YAML message document.

Positions are asked for once per finding, and a hostile document can have tens of thousands
of findings: each tree indexes its document once, on first use, so every lookup after that
costs a step per level of its path, not a scan from the start of the text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .spans import StringSpan, _json_string, _yaml_scalar

PathKey = tuple[str | int, ...]


class _Tree:
    """Positions of keys and values in a JSON or YAML document."""

    def key(self, path: PathKey) -> int | None:
        """Offset of the key that holds ``path`` (its value's offset for list items)."""
        raise NotImplementedError

    def value(self, path: PathKey) -> int | None:
        raise NotImplementedError

    def string(self, path: PathKey, value: str) -> StringSpan | None:
        raise NotImplementedError


# A string literal is matched run by run ("unrolled"), many times faster than char by char.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|[^\s\[\]{}",:]+|[,:]', re.S)


class _JsonNode:
    """One JSON container: where each member's key and value are, and its own containers.

    ``members`` maps a key (an object) or an index (an array) to ``(key offset, value offset)``;
    a key given twice keeps its last place, as ``json.loads`` keeps its last value.
    """

    __slots__ = ("children", "members", "values")

    def __init__(self) -> None:
        self.members: dict[str | int, tuple[int, int]] = {}
        self.children: dict[str | int, _JsonNode] = {}
        self.values = 0  # members of an array so far


class _JsonTree(_Tree):
    """Finds positions in text already known to be valid JSON, from one pass over its tokens."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: tuple[int, _JsonNode | None] | None = None
        self._spans: dict[PathKey, StringSpan | None] = {}

    def _index(self) -> tuple[int, _JsonNode | None]:
        if self._root is not None:
            return self._root
        text = self.text
        root: tuple[int, _JsonNode | None] = (len(text), None)
        stack: list[_JsonNode] = []
        is_object: list[bool] = []
        expect_key = False
        key: str = ""
        key_at = 0
        for token in _JSON_TOKEN.finditer(text):
            at = token.start()
            first = text[at]
            if first == ",":
                expect_key = bool(is_object) and is_object[-1]
                continue
            if first == ":":
                expect_key = False
                continue
            if first in "]}":
                stack.pop()
                is_object.pop()
                expect_key = False
                continue
            if expect_key:
                literal = token.group()
                key = json.loads(literal) if "\\" in literal else literal[1:-1]
                key_at = at
                continue
            child = _JsonNode() if first in "[{" else None
            if not stack:
                root = (at, child)
            else:
                parent = stack[-1]
                name: str | int
                if is_object[-1]:
                    name = key
                    parent.members[name] = (key_at, at)
                else:
                    name = parent.values
                    parent.values += 1
                    parent.members[name] = (at, at)
                if child is not None:
                    parent.children[name] = child
                elif name in parent.children:  # a duplicate key whose last value is a scalar
                    del parent.children[name]
            if child is not None:
                stack.append(child)
                is_object.append(first == "{")
                expect_key = first == "{"
        self._root = root
        return root

    def _walk(self, path: PathKey) -> tuple[int, int] | None:
        at, node = self._index()
        key_at = at
        for step in path:
            if node is None or isinstance(step, bool):
                return None
            place = node.members.get(step)
            if place is None:
                return None
            key_at, at = place
            node = node.children.get(step)
        return key_at, at

    def key(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return walked[0] if walked else None

    def value(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return walked[1] if walked else None

    def string(self, path: PathKey, value: str) -> StringSpan | None:
        if path in self._spans:
            return self._spans[path]
        walked = self._walk(path)
        span = None
        if walked is not None and self.text.startswith('"', walked[1]):
            span = _json_string(self.text, walked[1])
        self._spans[path] = span
        return span


class _YamlTree(_Tree):
    def __init__(self, text: str, root: Any) -> None:
        self.text = text
        self.root = root
        self._mappings: dict[int, dict[str, tuple[Any, Any]]] = {}
        self._spans: dict[PathKey, StringSpan | None] = {}

    def _members(self, node: Any) -> dict[str, tuple[Any, Any]]:
        """A mapping node's scalar keys, each with its (key node, value node); the last wins."""
        members = self._mappings.get(id(node))
        if members is None:
            members = {k.value: (k, v) for k, v in node.value if k.id == "scalar"}
            self._mappings[id(node)] = members
        return members

    def _walk(self, path: PathKey) -> tuple[Any, Any] | None:
        key_node, node = self.root, self.root
        for step in path:
            found = None
            if isinstance(step, str) and node.id == "mapping":
                found = self._members(node).get(step)
            elif (
                isinstance(step, int)
                and not isinstance(step, bool)
                and node.id == "sequence"
                and 0 <= step < len(node.value)
            ):
                found = (node.value[step], node.value[step])
            if found is None:
                return None
            key_node, node = found
        return key_node, node

    def key(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return int(walked[0].start_mark.index) if walked else None

    def value(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return int(walked[1].start_mark.index) if walked else None

    def string(self, path: PathKey, value: str) -> StringSpan | None:
        if path in self._spans:
            return self._spans[path]
        walked = self._walk(path)
        span = None
        if walked is not None and walked[1].id == "scalar":
            span = _yaml_scalar(self.text, walked[1], value)
        self._spans[path] = span
        return span
