"""YAML directory files: raw records with the line each one starts on, and writing back."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

_LOGGER = logging.getLogger(__name__)
SECTIONS = ("people", "topics")
Numbered = list[tuple[int, Any]]  # (line or row, raw record)
# libyaml when the wheel has it: tens of times faster on a 100,000-topic file.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LINE = "__line__"
FIELD_LINES = "field_lines"  # each record's fields: (line of the field, lines of its list items)


class _LineLoader(_Loader):  # type: ignore[misc, valid-type]
    """A safe loader that records, in each mapping, the line where it starts."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE] = node.start_mark.line + 1
        mapping[FIELD_LINES] = {
            key.value: (key.start_mark.line + 1,
                        [item.start_mark.line + 1 for item in value.value] if isinstance(value, yaml.SequenceNode) else [])
            for key, value in node.value if isinstance(key, yaml.ScalarNode)}
        return mapping


class _FlowList(list):  # type: ignore[type-arg]
    """A list of scalars, written on one line as [a, b]."""


class _Writer(_Dumper):  # type: ignore[misc, valid-type]
    pass


_Writer.add_representer(
    _FlowList, lambda dumper, data: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", data, flow_style=True)
)


def read_yaml(path: Path) -> tuple[Numbered, Numbered, list[str]]:
    """(people, topics, errors): each record with its line; errors name lines too."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        return [], [], [f"{line}malformed YAML: {exc.problem or exc.context}"]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return [], [], [f"malformed YAML: {exc}"]
    except OSError as exc:
        return [], [], [f"{path}: {exc.strerror}"]
    if document is None:
        return [], [], []
    if not isinstance(document, dict):
        return [], [], ["line 1: the file must be a mapping with 'people' and 'topics' lists"]
    errors = [f"line {document[FIELD_LINES][key][0]}: unknown section '{key}' (allowed: {', '.join(SECTIONS)})"
              for key in document if key not in (*SECTIONS, _LINE, FIELD_LINES)]
    people, topics = (_section(document, name, errors) for name in SECTIONS)
    return people, topics, errors


def _section(document: dict[str, Any], name: str, errors: list[str]) -> Numbered:
    items = document.get(name) or []
    if not isinstance(items, list):
        errors.append(f"line {document[FIELD_LINES][name][0]}: '{name}' must be a list")
        return []
    numbered: Numbered = []
    lines = document[FIELD_LINES].get(name, (0, []))[1]
    for index, item in enumerate(items, start=1):
        if isinstance(item, dict):
            fields = item.pop(FIELD_LINES)
            numbered.append((item.pop(_LINE), {**_strip_lines(item), FIELD_LINES: fields}))
        else:
            errors.append(f"line {lines[index - 1]}: {name} item {index}: must be a mapping of fields, "
                          f"not {item!r:.40}")
    return numbered


def _strip_lines(value: Any) -> Any:
    """Drop the recorded lines from nested values so they reach the records as written."""
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k not in (_LINE, FIELD_LINES)}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def write_yaml(people: list[dict[str, Any]], topics: list[dict[str, Any]], path: Path) -> None:
    """Write records as block mappings whose lists of names sit on one line."""
    def flow(record: dict[str, Any]) -> dict[str, Any]:
        return {k: _FlowList(v) if isinstance(v, list) else v for k, v in record.items()}

    document = {"people": [flow(p) for p in people], "topics": [flow(t) for t in topics]}
    text = yaml.dump(document, Dumper=_Writer, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(text, encoding="utf-8")
