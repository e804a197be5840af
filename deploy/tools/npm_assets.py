"""The browser files the app serves, pinned from the npm registry: no CDN, no build step.

Two sets, each with a MANIFEST.json beside its files: api/static/docs/ (Swagger UI and ReDoc for
`/docs` and `/redoc`) and api/static/konsol/vendor/ (htmx, Pico CSS and Chart.js for `/konsol`,
and axe-core, which only the accessibility tests load). A manifest names each npm package's
version, the integrity of its tarball and the SHA-256 of every file taken from it (the bundles and
their licence texts). Run from the repository root:

    python3 deploy/tools/npm_assets.py check    # the committed files match the manifests
    python3 deploy/tools/npm_assets.py fetch    # re-fetch them (`npm pack`) and check them

To move to another version, edit its `version` in the manifest and run `fetch --update`: it
records the new tarball integrity and file hashes, for review in the same change.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = [
    ROOT / "api" / "static" / "docs" / "MANIFEST.json",
    ROOT / "api" / "static" / "konsol" / "vendor" / "MANIFEST.json",
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_integrity(data: bytes) -> str:
    """The tarball's hash in npm's own notation (`sha512-<base64>`), as the registry lists it."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def load_manifest(manifest_path: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    return manifest


def check(manifest_path: Path) -> list[str]:
    """What differs between the committed files and the manifest (nothing when all is well)."""
    problems = []
    assets = manifest_path.parent
    for name, package in load_manifest(manifest_path)["packages"].items():
        for target, entry in package["files"].items():
            path = assets / package["directory"] / target
            if not path.is_file():
                problems.append(f"{name}: {path.relative_to(ROOT)} is missing")
            elif sha256(path.read_bytes()) != entry["sha256"]:
                problems.append(f"{name}: {path.relative_to(ROOT)} is not the pinned file")
    return problems


def npm_pack(name: str, version: str, into: Path) -> bytes:
    """The package's tarball as the registry serves it (npm checks it against its integrity)."""
    listing = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--silent", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
    )
    (packed,) = json.loads(listing.stdout)
    filename: str = packed["filename"]
    return (into / filename).read_bytes()


def fetch(manifest_path: Path, update: bool) -> list[str]:
    """Fetch every package at its pinned version and write its files; the mismatches found."""
    assets = manifest_path.parent
    manifest = load_manifest(manifest_path)
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, package in manifest["packages"].items():
            tarball = npm_pack(name, package["version"], Path(scratch))
            if update:
                package["integrity"] = npm_integrity(tarball)
            elif npm_integrity(tarball) != package["integrity"]:
                problems.append(f"{name}@{package['version']}: the tarball is not the pinned one")
                continue
            tarball_path = Path(scratch) / "package.tgz"
            tarball_path.write_bytes(tarball)
            with tarfile.open(tarball_path) as archive:
                for target, entry in package["files"].items():
                    member = archive.extractfile(f"package/{entry['from']}")
                    if member is None:
                        problems.append(f"{name}: {entry['from']} is not a file in the package")
                        continue
                    data = member.read()
                    if update:
                        entry["sha256"] = sha256(data)
                    elif sha256(data) != entry["sha256"]:
                        problems.append(f"{name}: {entry['from']} differs from the manifest")
                        continue
                    path = assets / package["directory"] / target
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
    if update and not problems:
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check", "fetch"])
    parser.add_argument(
        "--update", action="store_true", help="with fetch: record new hashes in the manifest"
    )
    args = parser.parse_args()
    problems = []
    for manifest in MANIFESTS:
        found = check(manifest) if args.command == "check" else fetch(manifest, args.update)
        if not found:
            sys.stdout.write(f"{manifest.relative_to(ROOT)}: every file matches\n")
        problems.extend(found)
    if problems:
        sys.exit("\n".join(problems))


if __name__ == "__main__":
    main()
