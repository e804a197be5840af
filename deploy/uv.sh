# Sourced by deploy/dev.sh and deploy/test.sh: sets $root (the checkout) and $uv.
# uv comes from .venv-tools/ (installed there on first use, pinned), else from PATH.
# Needs only python3 and pip: no sudo, nothing installed system-wide.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
uv_version="0.13.9"
tools="$root/.venv-tools"

if [[ -x "$tools/bin/uv" ]]; then
  uv="$tools/bin/uv"
elif command -v uv >/dev/null 2>&1; then
  uv="$(command -v uv)"
else
  echo "Installing uv $uv_version into $tools" >&2
  if python3 -m venv "$tools" >/dev/null 2>&1; then
    "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$uv_version"
  else
    # Debian without python3-venv: pip can still install into a plain directory.
    rm -rf "$tools"
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools" "uv==$uv_version"
  fi
  uv="$tools/bin/uv"
fi

# Installed packages are compiled to bytecode once, when uv installs them: every process (the
# service, each `mufakat` command, each audit verifier) then imports in about half the time,
# also where Python is told never to write its own caches (PYTHONDONTWRITEBYTECODE).
export UV_COMPILE_BYTECODE=1
