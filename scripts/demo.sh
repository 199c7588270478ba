#!/usr/bin/env bash
# demo.sh BIN SAMPLES DIR — the main job on the samples, on a scratch copy
# so the repository stays clean: scan, graph, report, plan, deploy to the
# embedded local target, running statements, and a second deploy that
# plans nothing.
set -euo pipefail
bin=$(realpath "$1"); samples=$2; dir=$3

rm -rf "$dir"
mkdir -p "$dir"
cp -R "$samples" "$dir/pipelines"
cd "$dir"
export PIPELINES=$PWD/pipelines

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$bin" table build-inventory
step "$bin" pipeline build-all-metadata
step "$bin" pipeline graph
step "$bin" pipeline report saleops_fct_revenue
