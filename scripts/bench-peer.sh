#!/usr/bin/env bash
# make bench-peer: the race against shift_left (the Python tool) on the same
# generated projects. For each size it times, as whole processes under
# /usr/bin/time (median of several runs, peak RSS), shift_left's and our
# `table build-inventory`, `pipeline build-all-metadata` and
# `pipeline report <deepest fact>`, then compares the parents both tools
# found for every table with the generator's expected parents. Markdown
# report on stdout and in .bench/peer.md.
#
# shift_left 0.1.52 is installed once into a virtual environment outside the
# repository. It wants Python >= 3.12: a pyenv 3.12 is used when there is
# one, else python3 with --ignore-requires-python (it runs on 3.11).
#
# Environment:
#   PEER_SIZES      tables per project (default "1000 5000")
#   PEER_RUNS       runs per command, median reported (default 3)
#   PEER_SLOW_RUNS  runs of shift_left build-all-metadata (default PEER_RUNS)
#   PEER_CAP        seconds before a shift_left run is stopped (default 900);
#                   a size where build-all-metadata hit the cap ends the race
#   PEER_VENV       the virtual environment (default ~/.cache/shiftleft/peer-venv)
#   PEER_WORK       scratch folder (default .bench/peer-work)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

sizes=${PEER_SIZES:-"1000 5000"}
runs=${PEER_RUNS:-3}
slow_runs=${PEER_SLOW_RUNS:-$runs}
cap=${PEER_CAP:-900}
venv=${PEER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/shiftleft/peer-venv}
work=${PEER_WORK:-$repo/.bench/peer-work}
version=0.1.52
mkdir -p .bench "$work"

# --- shift_left in its own virtual environment -------------------------
if ! "$venv/bin/shift_left" --help >/dev/null 2>&1; then
	py=""
	for c in python3.13 python3.12; do
		if command -v pyenv >/dev/null 2>&1 && p=$(pyenv prefix "${c#python}" 2>/dev/null | head -1) && [ -x "$p/bin/python3" ]; then
			py=$p/bin/python3
			break
		fi
		if command -v "$c" >/dev/null 2>&1 && "$c" -c '' 2>/dev/null; then
			py=$(command -v "$c")
			break
		fi
	done
	pipflags=(--only-binary :all:)
	if [ -z "$py" ]; then
		py=python3
		pipflags+=(--ignore-requires-python)
	fi
	echo "installing shift-left $version into $venv with $("$py" --version 2>&1) (a few minutes the first time)" >&2
	rm -rf "$venv"
	"$py" -m venv "$venv"
	"$venv/bin/pip" install -q "${pipflags[@]}" "shift-left==$version" >&2
fi
sl_py=$venv/bin/python3

# A stub configuration: shift_left validates every section at start-up even
# for commands that never call the cloud; these values reach nothing.
cat >"$work/config.yaml" <<'YAML'
kafka:
  bootstrap.servers: localhost:9092
  cluster_id: lkc-stub
  cluster_type: dev
  sasl.username: stub
  sasl.password: stub
confluent_cloud:
  environment_id: env-stub
  cloud_region: us-west-2
  cloud_provider: aws
  organization_id: org-stub
  service_account_id: sa-stub
flink:
  catalog_name: stub
  database_name: stub
  compute_pool_id: lfcp-stub
app:
  accepted_common_products: [common, seeds]
YAML

go build -o "$work/shiftleft" .
ours=$work/shiftleft
times=$work/times.tsv
: >"$times"
mkdir -p "$work/home"

# timed TOOL CMD SIZE RUN -- command...: one whole-process run, appended to
# times.tsv as tool, command, size, run, wall, cpu, rss_kb, status.
timed() {
	local tool=$1 cmd=$2 n=$3 i=$4
	shift 5
	local status=ok
	if ! /usr/bin/time -f "%e %U %S %M" -o "$work/time.tmp" timeout "$cap" "$@" >"$work/last.log" 2>&1; then
		status=fail
		if grep -q "Command exited with non-zero status 124" "$work/time.tmp"; then
			status=cap
		fi
	fi
	local line
	line=$(tail -1 "$work/time.tmp")
	read -r wall user sys rss <<<"$line"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$cmd" "$n" "$i" "$wall" \
		"$(echo "$user $sys" | awk '{print $1+$2}')" "$rss" "$status" >>"$times"
	echo "  $tool $cmd n=$n run $i: $wall s ($status)" >&2
	[ "$status" = ok ]
}

# sl_env sets the array sl to the command that runs shift_left on folder $1
# with the stub configuration, its logs and report pages under the scratch
# folder, and the stub API keys its start-up validation asks for (nothing
# is called with them). An array, not a function: /usr/bin/time runs it.
sl_env() {
	sl=(env HOME="$work/home" CONFIG_FILE="$work/config.yaml" SL_KAFKA_API_KEY=stub SL_KAFKA_API_SECRET=stub
		SL_CONFLUENT_CLOUD_API_KEY=stub SL_CONFLUENT_CLOUD_API_SECRET=stub SL_FLINK_API_KEY=stub
		SL_FLINK_API_SECRET=stub PIPELINES="$1" "$venv/bin/shift_left")
}

compared=()
for n in $sizes; do
	proj=$work/tables-$n
	if [ ! -f "$proj/expected_parents.json" ]; then
		rm -rf "$proj"
		go run ./tools/genproject -tables "$n" -seed 1 -out "$proj" >&2
	fi
	# Each tool works on its own copy: both write inventory.json and
	# pipeline_definition.json files.
	for t in sl ours; do
		rm -rf "$work/$t-$n"
		mkdir -p "$work/$t-$n"
		cp -r "$proj/pipelines" "$work/$t-$n/"
	done
	deep=$("$sl_py" scripts/bench/peer.py deepest "$proj/expected_parents.json")
	echo "== $n tables (report table: $deep)" >&2

	PIPELINES=$work/sl-$n/pipelines
	sl_env "$PIPELINES"
	cd "$work/sl-$n"
	for i in $(seq "$runs"); do
		rm -f "$PIPELINES/inventory.json"
		timed shift_left build-inventory "$n" "$i" -- "${sl[@]}" table build-inventory "$PIPELINES" || true
	done
	meta_ok=yes
	for i in $(seq "$slow_runs"); do
		find "$PIPELINES" -name pipeline_definition.json -delete
		[ -f "$PIPELINES/inventory.json" ] || "${sl[@]}" table build-inventory "$PIPELINES" >/dev/null 2>&1
		if ! timed shift_left build-all-metadata "$n" "$i" -- "${sl[@]}" pipeline build-all-metadata "$PIPELINES"; then
			meta_ok=no
			break
		fi
	done
	# The report reads the definitions of the table's lineage: a stopped
	# metadata run has usually written them already (the note says so).
	deep_def=$(find "$PIPELINES" -type d -name "$deep" -print -quit)/pipeline_definition.json
	if [ "$meta_ok" = yes ] || [ -f "$deep_def" ]; then
		[ "$meta_ok" = yes ] || echo "  shift_left report on the definitions its stopped build-all-metadata wrote" >&2
		for i in $(seq "$runs"); do
			timed shift_left report "$n" "$i" -- "${sl[@]}" pipeline report "$deep" "$PIPELINES" || true
		done
	fi
	cd "$repo"

	P=$work/ours-$n/pipelines
	for i in $(seq "$runs"); do
		timed shiftleft build-inventory "$n" "$i" -- "$ours" table build-inventory --pipelines "$P"
		timed shiftleft build-all-metadata "$n" "$i" -- "$ours" pipeline build-all-metadata --pipelines "$P"
		timed shiftleft report "$n" "$i" -- "$ours" pipeline report --pipelines "$P" "$deep"
	done
	"$ours" pipeline graph --format json --pipelines "$P" >"$work/graph-$n.json"
	if [ "$meta_ok" = yes ]; then
		compared+=("$n")
	else
		# The definitions a stopped run wrote are still compared: the
		# tables it did not reach count as "no pipeline_definition.json".
		if [ -n "$(find "$PIPELINES" -name pipeline_definition.json -print -quit)" ]; then
			compared+=("$n")
		fi
		echo "shift_left build-all-metadata did not finish within $cap s at $n tables: no larger size" >&2
		break
	fi
done
rm -f "$work/time.tmp"

"$sl_py" scripts/bench/peer.py report --times "$times" --work "$work" --cap "$cap" \
	--version "$version" --load "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" \
	--compare "${compared[*]:-}" | tee .bench/peer.md
