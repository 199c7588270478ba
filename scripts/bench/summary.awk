#!/usr/bin/awk -f
# Turns `go test -bench -benchmem` output into the markdown summary of
# make bench: one row per benchmark (the median over -count runs), seconds
# per operation, B/op, allocs/op, the issue's target where it has one;
# then the whole-process runs (file procs: "tables wall user sys maxrss_kb"
# per run), median wall and CPU, largest peak RSS.
# Usage: summary.awk -v load="1.0 2.0 3.0" -v procs=FILE raw.txt

function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (n == 0) return ""
	if (n % 2) return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

function secs(ns) {
	if (ns == "") return "-"
	if (ns >= 1e9) return sprintf("%.2f s", ns / 1e9)
	if (ns >= 1e6) return sprintf("%.1f ms", ns / 1e6)
	return sprintf("%.1f µs", ns / 1e3)
}

function mb(b) {
	if (b == "") return "-"
	if (b >= 1048576) return sprintf("%.1f MB", b / 1048576)
	return sprintf("%.0f kB", b / 1024)
}

function target(name) {
	if (name ~ /^ScanGraph\/tables=10000$/) return "< 0.3 s"
	if (name ~ /^ScanGraph\/tables=50000$/) return "< 2 s (all steps)"
	if (name ~ /^Impact50\/tables=10000$/) return "< 50 ms"
	if (name ~ /^Plan\/tables=10000\//) return "< 0.5 s"
	return ""
}

/^Benchmark/ && / ns\/op/ {
	name = $1
	sub(/^Benchmark/, "", name)
	sub(/-[0-9]+$/, "", name)
	if (!(name in seen)) { seen[name] = 1; order[++n] = name }
	for (i = 3; i < NF; i += 2) {
		unit = $(i + 1)
		vals[name, unit] = vals[name, unit] " " $i
		if (unit != "ns/op" && unit != "B/op" && unit != "allocs/op") extra[name] = unit
	}
}

END {
	printf "## Benchmarks\n\n"
	printf "`go test -bench` (median of -count runs). Load average when the run started: %s (on a busy machine wall times are inflated; allocations are not).\n\n", load
	printf "| benchmark | time/op | target | B/op | allocs/op | other |\n"
	printf "|---|---:|---|---:|---:|---|\n"
	for (k = 1; k <= n; k++) {
		nm = order[k]
		other = ""
		if (nm in extra) other = median(vals[nm, extra[nm]]) " " extra[nm]
		printf "| %s | %s | %s | %s | %s | %s |\n", nm, secs(median(vals[nm, "ns/op"])), target(nm),
			mb(median(vals[nm, "B/op"])), median(vals[nm, "allocs/op"]), other
	}
	if (procs == "") exit
	m = 0
	while ((getline line < procs) > 0) {
		split(line, f, " ")
		t = f[1] " " f[2]
		if (!(t in pw)) porder[++m] = t
		pcmd[t] = f[1]
		ptables[t] = f[2]
		pw[t] = pw[t] " " f[3]
		pc[t] = pc[t] " " (f[4] + f[5])
		if (f[6] + 0 > prss[t]) prss[t] = f[6] + 0
		pn[t]++
	}
	if (m == 0) exit
	printf "\n## Whole processes\n\n"
	printf "`/usr/bin/time bin/shiftleft …`, median of the runs: `graph` is `pipeline graph --format json` (scan, graph, JSON); `plan` is `pipeline build-execution-plan --select 'path:*' --format text` against an empty local environment (scan keeping the SQL, selection, state, rules, statement names, fingerprints, text).\n\n"
	printf "| command | tables | runs | wall | user+sys CPU | peak RSS | target |\n"
	printf "|---|---:|---:|---:|---:|---:|---|\n"
	for (k = 1; k <= m; k++) {
		t = porder[k]
		tg = ""
		if (ptables[t] == 50000) tg = "< 2 s, < 1 GB"
		if (ptables[t] == 10000 && pcmd[t] == "plan") tg = "< 0.5 s"
		printf "| %s | %s | %d | %.2f s | %.2f s | %.0f MB | %s |\n", pcmd[t], ptables[t], pn[t], median(pw[t]), median(pc[t]), prss[t] / 1024, tg
	}
}
