#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Validates envelope files against docs/schema/envelope.schema.json with the
# jsonschema library; prints the first error per file and exits 1 on any.
import json
import pathlib
import sys

import jsonschema

schema_path = pathlib.Path(__file__).resolve().parents[2] / "docs/schema/envelope.schema.json"
schema = json.loads(schema_path.read_text())
validator = jsonschema.Draft202012Validator(schema)
failed = False
for name in sys.argv[1:]:
    try:
        instance = json.loads(pathlib.Path(name).read_text())
    except ValueError as error:
        print(f"{name}: not JSON: {error}")
        failed = True
        continue
    for error in validator.iter_errors(instance):
        path = "/".join(str(p) for p in error.absolute_path)
        print(f"{name}: /{path}: {error.message}")
        failed = True
        break
sys.exit(1 if failed else 0)
