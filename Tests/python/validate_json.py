"""Validates a JSON document against one of KetaMap's documented schemas
(docs/schemas/*.schema.json, which may refer to each other by file name).

usage: validate_json.py SCHEMA_FILE JSON_FILE
Exits 0 when valid; otherwise prints every error (path: message) and exits 1.
"""
import json
import pathlib
import sys

import jsonschema
from referencing import Registry, Resource


def main():
    schema_path = pathlib.Path(sys.argv[1])
    document = json.loads(pathlib.Path(sys.argv[2]).read_text())
    resources = []
    for path in schema_path.parent.glob("*.schema.json"):
        resource = Resource.from_contents(json.loads(path.read_text()))
        resources += [(path.name, resource), (resource.id(), resource)]
    registry = Registry().with_resources(resources)
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    validator.check_schema(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    for error in errors:
        print("/".join(str(p) for p in error.path) or "(top)", ":", error.message)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
