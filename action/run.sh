#!/usr/bin/env bash
# The action's run step: `gpu run` with the inputs, its JSON report kept, its outputs and a job
# summary written. A cancelled job's SIGINT (and the SIGTERM 7.5 s later) is passed to `gpu`
# once each, which stops the command and sends the release at once; the cleanup step confirms.
set -uo pipefail

die() { echo "::error title=gpu run::$*"; exit 2; }
[ -n "${INPUT_COMMAND:-}" ] || die "the \`command\` input is empty: give the command to run on the instance"
command -v gpu >/dev/null 2>&1 || die "gpu is not installed (the install step failed)"
name="${GPU_ACTION_NAME:?}"

args=(run --json --yes --name "$name")
flag() { if [ -n "$2" ]; then args+=("$1" "$2"); fi; }
flag --gpu "${INPUT_GPU:-}"
flag --gpus "${INPUT_GPUS:-}"
flag --max-price "${INPUT_MAX_PRICE:-}"
flag --max-total "${INPUT_MAX_TOTAL:-}"
flag --provider "${INPUT_PROVIDER:-}"
flag --region "${INPUT_REGION:-}"
flag --ttl "${INPUT_TTL:-}"
flag --max-time "${INPUT_MAX_TIME:-}"
flag --sync "${INPUT_SYNC:-}"
case "${INPUT_SPOT:-false}" in
  true) args+=(--spot) ;;
  false|"") ;;
  *) die "the \`spot\` input is \`$INPUT_SPOT\`: it must be true or false" ;;
esac
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  if [ -n "$line" ]; then args+=(--env "$line"); fi
done <<< "${INPUT_ENV:-}"
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<< "$INPUT_ARGS"
  args+=("${extra[@]}")
fi
args+=(-- "$INPUT_COMMAND")

report="${RUNNER_TEMP:-/tmp}/gpu-run-$name.json"
# Its own process group: a signal to this step's group reaches `gpu` only as passed on here,
# once, never twice (a second signal would make it stop waiting for the release's confirmation).
set -m
gpu "${args[@]}" > "$report" &
pid=$!
set +m
# shellcheck disable=SC2317 # called by the traps below
pass() { kill "-$1" "$pid" 2>/dev/null || true; }
trap 'pass INT' INT
trap 'pass TERM' TERM
code=0
wait "$pid" || code=$?
while kill -0 "$pid" 2>/dev/null; do
  code=0
  wait "$pid" || code=$?
done
trap - INT TERM

field() {
  if command -v jq >/dev/null 2>&1; then
    jq -r "$1 // empty" "$report" 2>/dev/null
  else
    python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].lstrip(".").split("."):
    v=v.get(k) if isinstance(v,dict) else None
print("" if v is None else v)' "$report" "$1" 2>/dev/null
  fi
}
outcome=$(field .outcome)
cost=$(field .cost_usd)
provider=$(field .instance.provider)
instance=$(field .instance.id)
{
  echo "exit-code=$code"
  echo "outcome=$outcome"
  echo "cost=$cost"
  echo "provider=$provider"
  echo "instance=$instance"
} >> "${GITHUB_OUTPUT:-/dev/null}"
# GitLab: the same as a dotenv report, for later jobs.
if [ -n "${GPU_DOTENV:-}" ]; then
  {
    echo "GPU_EXIT_CODE=$code"
    echo "GPU_OUTCOME=$outcome"
    echo "GPU_COST_USD=$cost"
    echo "GPU_PROVIDER=$provider"
    echo "GPU_INSTANCE=$instance"
  } >> "$GPU_DOTENV"
fi

# The job summary (GitHub), else the job log.
summary="${GITHUB_STEP_SUMMARY:-/dev/stderr}"
{
  echo "### gpu run"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| command | \`$INPUT_COMMAND\` |"
  echo "| outcome | ${outcome:-did not start} (exit $code) |"
  if [ -n "$instance" ]; then
    echo "| instance | \`$instance\` ($(field .instance.gpu_count)x $(field .instance.gpu), $(field .instance.region)) |"
    echo "| price | \$$(field .instance.price_per_hour_usd)/hour |"
    echo "| time | $(field .seconds.billed) s billed, $(field .seconds.command) s running the command |"
    echo "| cost | about \$$cost |"
  fi
  echo "| released | $(field .released) |"
  error=$(field .error)
  if [ -n "$error" ]; then echo "| error | $error |"; fi
  release=$(field .release_command)
  if [ -n "$release" ]; then echo "| to release | \`$release\` |"; fi
} >> "$summary"
exit "$code"
