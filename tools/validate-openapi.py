#!/usr/bin/env python3
"""Checks HTTP exchanges recorded by the test suite against Schemas/openapi.yaml (OpenAPI 3.1).

    validate-openapi.py operations OPENAPI            # prints "METHOD /path" for every operation
    validate-openapi.py responses OPENAPI EXCHANGES   # validates every recorded response

EXCHANGES is a JSON array of {method, path, status, contentType, body}. Each response must be described by its
operation (by status, else `default`), with its media type; a JSON body must validate against the schema with
jsonschema's Draft 2020-12 validator (OpenAPI 3.1 schemas are JSON Schema 2020-12). Independent of the Swift
code under test. Exit status 1 lists every mismatch.
"""
import json
import re
import sys

import yaml
from jsonschema import Draft202012Validator, FormatChecker

METHODS = ["get", "put", "post", "delete", "patch", "head", "options"]


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def template_regex(path):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def resolve(document, node):
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"].lstrip("#/").split("/")
        node = document
        for part in pointer:
            node = node[part]
    return node


def main():
    mode, openapi = sys.argv[1], sys.argv[2]
    with open(openapi) as handle:
        document = yaml.safe_load(handle)
    if mode == "operations":
        for method, path, _ in operations(document):
            print(f"{method} {path}")
        return 0
    with open(sys.argv[3]) as handle:
        exchanges = json.load(handle)
    routes = [(method, template_regex(path), path, operation) for method, path, operation in operations(document)]
    failures = []
    checked = 0
    for exchange in exchanges:
        checked += 1
        path = exchange["path"].split("?")[0]
        label = f'{exchange["method"]} {exchange["path"]} -> {exchange["status"]}'
        # Literal segments win over parameters, as in the router.
        matches = [r for r in routes if r[0] == exchange["method"] and r[1].match(path)]
        matches.sort(key=lambda r: r[2].count("{"))
        if not matches:
            failures.append(f"{label}: no operation in the OpenAPI description")
            continue
        _, _, template, operation = matches[0]
        responses = operation.get("responses", {})
        response = responses.get(str(exchange["status"])) or responses.get("default")
        if response is None:
            failures.append(f"{label}: status not described by {exchange['method']} {template}")
            continue
        response = resolve(document, response)
        content = response.get("content")
        media = (exchange.get("contentType") or "").split(";")[0].strip()
        if not content:
            if exchange["body"]:
                failures.append(f"{label}: a body where {template} describes none")
            continue
        if media not in content:
            # Media ranges: */* or type/*.
            ranges = [key for key in content if key == "*/*" or (key.endswith("/*") and media.startswith(key[:-1]))]
            if ranges:
                continue
            failures.append(f"{label}: media type {media!r} not among {sorted(content)}")
            continue
        schema = content[media].get("schema")
        if not media.endswith("json") or schema is None:
            continue
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": document["components"], "allOf": [schema]}
        try:
            body = json.loads(exchange["body"])
        except ValueError:
            failures.append(f"{label}: the body is not JSON")
            continue
        errors = sorted(Draft202012Validator(root, format_checker=FormatChecker()).iter_errors(body), key=lambda e: list(e.path))
        for error in errors[:3]:
            failures.append(f"{label}: {'/'.join(map(str, error.path))}: {error.message[:300]}")
    for failure in failures:
        print(failure)
    print(f"{checked} responses checked against {openapi}, {len(failures)} mismatches", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
