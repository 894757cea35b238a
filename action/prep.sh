#!/usr/bin/env bash
# The action's first step: the instance's name (unique per run, attempt, job, matrix leg and
# step, so that legs never share an instance and a re-run never finds the last attempt's) and
# the directory the binary is installed and cached in. Both are step outputs, so that the
# cleanup step has them even when the run step was cancelled.
set -euo pipefail

if [ -n "${INPUT_NAME:-}" ]; then
  name="$INPUT_NAME"
else
  # The job id, the matrix leg and the step id, hashed: the name stays short and in the
  # letters every provider takes.
  leg=$(printf '%s/%s/%s' "${GITHUB_JOB:-job}" "${GPU_ACTION_LEG:-0}" "${GITHUB_ACTION:-gpu}" | cksum | cut -d ' ' -f 1)
  name="gh-${GITHUB_RUN_ID:-0}-${GITHUB_RUN_ATTEMPT:-1}-$leg"
fi
dir="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/gpu-action/${INPUT_VERSION:-latest}"
{
  echo "name=$name"
  echo "dir=$dir"
} >> "$GITHUB_OUTPUT"
