#!/usr/bin/env bash
# The dependency audit of deny.toml: licences, bans and sources (offline, always), and with
# --advisories the RustSec advisory database too (needs the network). Installs cargo-deny
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DENY_VERSION=0.20.2
if ! command -v cargo-deny >/dev/null || [[ "$(cargo deny --version)" != "cargo-deny $CARGO_DENY_VERSION" ]]; then
    echo "== installing cargo-deny $CARGO_DENY_VERSION" >&2
    cargo install --locked --quiet "cargo-deny@$CARGO_DENY_VERSION"
fi
# Every platform's crates, which `cargo metadata` reads (the build only fetched this one's).
cargo fetch --locked --quiet
checks=(licenses bans sources)
if [[ ${1:-} == --advisories ]]; then
    checks+=(advisories)
    exec cargo deny --locked check "${checks[@]}"
fi
exec cargo deny --locked --offline check "${checks[@]}"
