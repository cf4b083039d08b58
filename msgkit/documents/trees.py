"""Finding keys and values in the text of a JSON or YAML message document."""

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


_WS = re.compile(r"[ \t\n\r]*")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|[^\s\[\]{}",:]+|[,:]', re.S)


class _JsonTree(_Tree):
    """Finds positions in text already known to be valid JSON, scanning only along a path."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _ws(self, pos: int) -> int:
        found = _WS.match(self.text, pos)
        return found.end() if found else pos

    def _skip(self, pos: int) -> int:
        depth = 0
        for token in _JSON_TOKEN.finditer(self.text, pos):
            first = token.group()[0]
            if first in "[{" and len(token.group()) == 1:
                depth += 1
            elif first in "]}":
                depth -= 1
            if depth == 0:
                return token.end()
        return len(self.text)

    def _walk(self, path: PathKey) -> tuple[int, int] | None:
        text = self.text
        pos = self._ws(0)
        key_pos = pos
        for step in path:
            if pos >= len(text):
                return None
            found: tuple[int, int] | None = None
            if text[pos] == "{" and isinstance(step, str):
                p = self._ws(pos + 1)
                while p < len(text) and text[p] == '"':
                    literal = _JSON_STRING.match(text, p)
                    if literal is None:
                        return None
                    name = json.loads(literal.group())
                    p = self._ws(self._ws(literal.end()) + 1)
                    if name == step:  # the last duplicate wins, as in json.loads
                        found = (literal.start(), p)
                    p = self._ws(self._skip(p))
                    if p < len(text) and text[p] == ",":
                        p = self._ws(p + 1)
            elif text[pos] == "[" and isinstance(step, int):
                p = self._ws(pos + 1)
                index = 0
                while p < len(text) and text[p] != "]":
                    if index == step:
                        found = (p, p)
                        break
                    p = self._ws(self._skip(p))
                    if p < len(text) and text[p] == ",":
                        p = self._ws(p + 1)
                    index += 1
            if found is None:
                return None
            key_pos, pos = found
        return key_pos, pos

    def key(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return walked[0] if walked else None

    def value(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return walked[1] if walked else None

    def string(self, path: PathKey, value: str) -> StringSpan | None:
        walked = self._walk(path)
        if walked is None or not self.text.startswith('"', walked[1]):
            return None
        return _json_string(self.text, walked[1])


class _YamlTree(_Tree):
    def __init__(self, text: str, root: Any) -> None:
        self.text = text
        self.root = root

    def _walk(self, path: PathKey) -> tuple[Any, Any] | None:
        key_node, node = self.root, self.root
        for step in path:
            found = None
            if isinstance(step, str) and node.id == "mapping":
                for k, v in node.value:
                    if k.id == "scalar" and k.value == step:
                        found = (k, v)
            elif isinstance(step, int) and node.id == "sequence" and step < len(node.value):
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
        walked = self._walk(path)
        if walked is None or walked[1].id != "scalar":
            return None
        return _yaml_scalar(self.text, walked[1], value)
