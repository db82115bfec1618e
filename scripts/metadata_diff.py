"""Record which regions' libphonenumber metadata differ between two phonenumbers releases.

The backend-agreement test accepts a difference between the reference backend and the fast
backend only for a region listed here. Regenerate when either backend's metadata moves:

    pip download --no-deps phonenumbers==OLD -d /tmp/md   # likewise NEW; unzip both wheels
    python scripts/metadata_diff.py OLD_DIR NEW_DIR OLD NEW > tests/vectors/metadata_changes.json
"""

from __future__ import annotations

import filecmp
import json
import sys
from pathlib import Path


def changed_regions(old: Path, new: Path) -> list[str]:
    """Region codes (and non-geographic calling codes) whose data files differ."""
    old_data, new_data = old / "phonenumbers" / "data", new / "phonenumbers" / "data"
    names = {p.name for p in old_data.glob("*.py")} | {p.name for p in new_data.glob("*.py")}
    changed = set()
    for name in sorted(names):
        a, b = old_data / name, new_data / name
        if a.exists() and b.exists() and filecmp.cmp(a, b, shallow=False):
            continue
        stem = name.removesuffix(".py")
        if stem.startswith("region_"):
            changed.add(stem.removeprefix("region_"))
        elif stem.startswith("alt_format_"):
            changed.add("cc" + stem.removeprefix("alt_format_"))
    return sorted(changed)


def main() -> None:
    old_dir, new_dir, old_version, new_version = sys.argv[1:5]
    report = {
        "from": old_version,
        "to": new_version,
        "regions": changed_regions(Path(old_dir), Path(new_dir)),
    }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
