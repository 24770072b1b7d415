"""Reading rendered pages in tests: elements by tag and attributes, their visible text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.stack: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": []}
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": []})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element["text"].append(data)


def _html(source) -> str:
    return source if isinstance(source, str) else source.content.decode()


def elements(source, tag: str, **attrs: str) -> list[dict]:
    """Elements of ``tag`` whose attributes hold the given values (``class_`` matches one class)."""
    parser = _Collector()
    parser.feed(_html(source))
    found = []
    for el in parser.elements:
        if el["tag"] != tag:
            continue
        ok = True
        for key, value in attrs.items():
            key = key.rstrip("_").replace("_", "-")
            have = el["attrs"].get(key)
            if have is None or (value not in have.split() if key == "class" else have != value):
                ok = False
        if ok:
            found.append({**el, "text": re.sub(r"\s+", " ", "".join(el["text"])).strip()})
    return found


def texts(source, tag: str, **attrs: str) -> list[str]:
    return [el["text"] for el in elements(source, tag, **attrs)]


def value_of(source, name: str) -> str | None:
    """The value an input or textarea named ``name`` shows."""
    for el in elements(source, "input", name=name):
        return el["attrs"].get("value", "")
    for el in elements(source, "textarea", name=name):
        return el["text"]
    return None


def field_errors(source) -> list[str]:
    return texts(source, "p", class_="field-error")
