#!/usr/bin/env python3
"""Validates sample event payloads against the event schemas, independently of the Swift code.

usage: validate-event-schemas.py SCHEMAS_DIR SAMPLES_DIR

Every schema must be a valid JSON Schema 2020-12 document. Every sample file is named
<EventType>.v<N>.json and is validated (with format checking) against
SCHEMAS_DIR/<EventType>.v<N>.schema.json. Prints one line per problem and a closing count; exits 0 only
when every sample is valid and has a schema, 1 when any is not, 2 when jsonschema is missing.
"""
import json
import pathlib
import sys

try:
    from jsonschema import Draft202012Validator, FormatChecker
except ImportError:
    print("jsonschema is not installed: run `python3 -m pip install jsonschema rfc3339-validator` (the README's test command does)")
    sys.exit(2)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    schemas_dir, samples_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    problems = []
    schemas = {}
    for path in sorted(schemas_dir.glob("*.schema.json")):
        document = json.loads(path.read_text())
        try:
            Draft202012Validator.check_schema(document)
        except Exception as error:  # SchemaError
            problems.append(f"{path.name}: not a valid 2020-12 schema: {error.message}")
            continue
        if document.get("additionalProperties") is not False:
            problems.append(f"{path.name}: additionalProperties must be false")
        schemas[path.name[: -len(".schema.json")]] = document
    checked = 0
    for path in sorted(samples_dir.glob("*.json")):
        name = path.name[: -len(".json")]
        schema = schemas.get(name)
        if schema is None:
            problems.append(f"{path.name}: no schema {name}.schema.json")
            continue
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        for error in sorted(validator.iter_errors(json.loads(path.read_text())), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(part) for part in error.absolute_path) or "(payload)"
            problems.append(f"{path.name}: {where}: {error.message}")
        checked += 1
    for problem in problems:
        print(problem)
    print(f"{checked} samples checked against {len(schemas)} schemas: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
