#!/usr/bin/env bash
# demo.sh BIN SAMPLES DIR — the main job on the samples, on a scratch copy
# so the repository stays clean: scan, graph, report, plan, deploy to the
# embedded local target, running statements, a second deploy that plans
# nothing, then a DML change that restarts exactly one table, and last the
# data catalog: one HTML page to open in a browser.
set -euo pipefail
bin=$(realpath "$1"); samples=$2; dir=$3

rm -rf "$dir"
mkdir -p "$dir"
cp -R "$samples" "$dir/pipelines"
cd "$dir"
export PIPELINES=$PWD/pipelines

# Commands in bold on a terminal only (NO_COLOR turns it off), plain in logs.
bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
step() { printf '\n%s$ shiftleft %s%s\n' "$bold" "$*" "$plain"; "$bin" "$@"; }

step table build-inventory
step pipeline build-all-metadata
step pipeline graph
step pipeline report saleops_fct_revenue
step pipeline impact --select saleops_dim_customer
step pipeline build-execution-plan --select 'product:saleops product:c360'
step pipeline deploy --select 'product:saleops product:c360'
step pipeline report-running-statements
printf '\n# a second deploy of the same selection plans nothing\n'
step pipeline deploy --select 'product:saleops product:c360'
printf '\n# change one DML: only that table (and what the rules add) is redeployed\n'
dml=pipelines/dimensions/saleops/saleops_dim_product/sql-scripts/dml.saleops_dim_product.sql
printf -- '-- demo: a comment only change is not a change\n' >>"$dml"
sed -i "s/WHEN list_price < 20 THEN 'budget'/WHEN list_price < 25 THEN 'budget'/" "$dml"
step pipeline deploy --select 'product:saleops'
printf '\n# everything runs: a restart replaces no table\n'
step pipeline healthcheck --select 'product:saleops'
printf '\nState of the local target: %s\n' "$dir/.shiftleft/"
printf '\n# the data catalog: products, tables, SQL and lineage in one self-contained page\n'
printf '%s$ shiftleft docs generate%s\n' "$bold" "$plain"
catalog=$("$bin" docs generate)
printf 'Catalog: %s\n' "$(realpath "$catalog")"
