#!/usr/bin/env bash
# The action's last step, run whatever happened before it (`if: always()`): release the run's
# instance if anything of it may still bill, and confirm with the provider. A run that released
# its instance leaves nothing to do; this exits 0 then.
set -uo pipefail

command -v gpu >/dev/null 2>&1 || exit 0
name="${GPU_ACTION_NAME:-}"
[ -n "$name" ] || exit 0
case "$name" in gpu-*) ;; *) name="gpu-$name" ;; esac
if gpu down "$name" --yes --missing-ok; then
  exit 0
fi
echo "::error title=gpu run::\`$name\` may still be running and billing: run \`gpu down $name --yes\` (or use the provider's console)"
exit 1
