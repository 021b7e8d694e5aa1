#!/usr/bin/env python3
"""Fails when a folder of the host includes a header of a folder in a higher layer.

The host is built in layers (host/README.md): each folder belongs to one, and code may include
headers of its own layer and of the layers below, never above. An include that goes up is how
dependency loops start, so every one is reported with its file and line.

The build draws the same lines (one library per layer, linked only downward, host/CMakeLists.txt),
but a header-only include would still compile; this check catches those too.

Usage: tools/check-layers.py [--list]   (--list prints each folder's layer and includes)
"""

import pathlib
import re
import sys

# Lowest first. A folder may use its own layer and those before it.
LAYERS = [
    ("core", ["core"]),
    ("stores", ["schema", "state", "logs", "notifications", "monitor", "auth", "metrics",
                "fault", "reload", "deploy", "config", "front"]),
    ("plugin runtime", ["plugin"]),
    ("services", ["dispatch", "mirror", "schedule", "lifecycle"]),
    # web/ holds the dashboard's page, script and style, which the http layer serves.
    ("http", ["http", "openapi", "web"]),
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([^"]+)"')


def layer_of(folder):
    for index, (_, folders) in enumerate(LAYERS):
        if folder in folders:
            return index
    return None


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    host = root / "host"
    problems = []
    listing = "--list" in sys.argv[1:]
    folders = sorted(p for p in host.iterdir() if p.is_dir())
    for folder in folders:
        own = layer_of(folder.name)
        if own is None:
            problems.append(f"host/{folder.name}/: in no layer (add it to LAYERS)")
            continue
        used = set()
        for source in sorted(folder.iterdir()):
            if source.suffix not in (".h", ".cpp"):
                continue
            relative = source.relative_to(root).as_posix()
            for number, line in enumerate(source.read_text().splitlines(), start=1):
                match = INCLUDE.match(line)
                if not match or not (host / match.group(1)).is_dir():
                    continue
                target = match.group(1)
                used.add(target)
                target_layer = layer_of(target)
                if target_layer is None or target_layer <= own:
                    continue
                header = f"{target}/{match.group(2)}"
                problems.append(
                    f"{relative}:{number}: includes {header}: layer '{LAYERS[own][0]}' "
                    f"may not use layer '{LAYERS[target_layer][0]}'")
        if listing:
            print(f"{LAYERS[own][0]:>15}  {folder.name:<14} uses {', '.join(sorted(used - {folder.name})) or '-'}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-layers: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-layers: {len(folders)} folders in {len(LAYERS)} layers, no upward include")
    return 0


if __name__ == "__main__":
    sys.exit(main())
