#!/usr/bin/env bash
# The build holds the layers (docs/design.md, "The layers") by giving each
# layer's object library only the include directories it may use.  That
# works only while sources include headers by name: a path ("../mm/mm.h",
# "mm/mm.h") would find a header whatever the directories say.  This test
# fails on any such include in src/.
set -euo pipefail
src=${1:?usage: layers.sh SRC_DIR}
bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^"]*/' "$src" || true)
if [[ -n $bad ]]; then
  echo "layers.sh: includes by path bypass the layers' include directories:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "layers.sh: every include in src/ is by name"
