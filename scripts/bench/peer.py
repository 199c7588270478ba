"""Helpers of scripts/bench-peer.sh (standard library only).

deepest EXPECTED      print the fact with the most ancestors (ties: by name)
report --times ...    print the markdown race report: timings (median of
                      runs, ratio, peak RSS) and the parents each tool found
                      for every table against the generator's expected ones
"""
import argparse
import json
import os
import re
import statistics
import sys
from collections import Counter, defaultdict


def load_expected(path):
    with open(path) as f:
        doc = json.load(f)
    return {t["folder"]: t for t in doc["tables"]}


def deepest(path):
    tables = {t["name"]: t for t in load_expected(path).values()}
    memo = {}

    def ancestors(name):
        if name in memo:
            return memo[name]
        memo[name] = set()  # the generator makes DAGs; this only guards
        out = set()
        for p in tables.get(name, {}).get("parents", []):
            out.add(p)
            out |= ancestors(p)
        memo[name] = out
        return out

    facts = sorted((-len(ancestors(n)), n) for n, t in tables.items() if t["type"] == "fact")
    print(facts[0][1])


def median(xs):
    return statistics.median(xs) if xs else None


def fmt_s(x):
    if x is None:
        return "-"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def timings(rows, cap):
    """rows: tool, command, size, run, wall, cpu, rss_kb, status."""
    by = defaultdict(list)
    for r in rows:
        by[(r[2], r[1], r[0])].append(r)
    sizes = sorted({int(r[2]) for r in rows})
    out = []
    out.append("| tables | command | shift_left | shiftleft (ours) | ratio | shift_left peak RSS | ours peak RSS | shift_left CPU | ours CPU |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        for cmd in ("build-inventory", "build-all-metadata", "report"):
            sl = by.get((str(n), cmd, "shift_left"), [])
            us = by.get((str(n), cmd, "shiftleft"), [])
            if not sl and not us:
                continue

            def cell(rs):
                if not rs:
                    return "not run", None, "-", "-"
                capped = [r for r in rs if r[7] == "cap"]
                if capped:
                    # What the stopped run used up to the cap.
                    r = capped[0]
                    return f"> {cap} s (stopped)", None, f"≥ {int(r[6]) / 1024:.0f} MB", f"≥ {fmt_s(float(r[5]))}"
                ok = [r for r in rs if r[7] == "ok"]
                if not ok:
                    return "failed", None, "-", "-"
                w = median([float(r[4]) for r in ok])
                c = median([float(r[5]) for r in ok])
                rss = max(int(r[6]) for r in ok)
                return f"{fmt_s(w)} ({len(ok)} run{'s' if len(ok) > 1 else ''})", w, f"{rss / 1024:.0f} MB", fmt_s(c)

            sl_s, sl_w, sl_rss, sl_c = cell(sl)
            us_s, us_w, us_rss, us_c = cell(us)
            ratio = "-"
            if sl_w and us_w:
                ratio = f"{sl_w / us_w:.0f}×"
            elif sl and any(r[7] == "cap" for r in sl) and us_w:
                ratio = f"> {cap / us_w:.0f}×"
            out.append(f"| {n} | {cmd} | {sl_s} | {us_s} | {ratio} | {sl_rss} | {us_rss} | {sl_c} | {us_c} |")
    for n in sizes:
        meta = by.get((str(n), "build-all-metadata", "shift_left"), [])
        if any(r[7] == "cap" for r in meta) and by.get((str(n), "report", "shift_left")):
            out.append("")
            out.append(f"At {n} tables shift_left's report ran on the `pipeline_definition.json` files its stopped "
                       "`build-all-metadata` had written (the report table's lineage among them).")
    return out


LITERAL_WORDS = None


def read(root, rel):
    try:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def strings_of(sql):
    return re.findall(r"'((?:[^']|'')*)'", sql)


def classify_extra(name, sql):
    """Why shift_left reports a parent the SQL does not read."""
    low = name.lower()
    for s in strings_of(sql):
        if re.search(r"\b" + re.escape(low) + r"\b", s.lower()):
            return "word of a string literal taken as a table (regex over raw text)"
    if re.search(r"`" + re.escape(name) + r"`\s*\.\s*`[^`]+`\s*\.\s*`", sql):
        return "backquoted 3-part name `catalog`.`db`.`table` read as its catalog"
    if low == "lateral":
        return "LATERAL TABLE(...) read as table LATERAL"
    return "other"


def classify_missing(name, sql):
    """Why shift_left misses a parent the SQL reads."""
    n = re.escape(name)
    if re.search(r"`[^`]+`\s*\.\s*`[^`]+`\s*\.\s*`" + n + r"`", sql):
        return "backquoted 3-part name: the table part lost (read as the catalog)"
    if re.search(r"\w+\.\w+\." + n + r"\b", sql):
        return "3-part name dropped (more than one dot)"
    if re.search(r",\s*(?:`[^`]*`\.)*`?" + n + r"`?(?:\s+(?:AS\s+)?\w+)?\s*(?:,|WHERE|\)|$)", sql, re.I | re.M):
        return "comma-separated FROM list: only the first table is found"
    return "other"


def compare(work, n, seen):
    proj = os.path.join(work, f"tables-{n}")
    expected = load_expected(os.path.join(proj, "expected_parents.json"))
    root = os.path.join(proj, "pipelines")

    ours = {}
    with open(os.path.join(work, f"graph-{n}.json")) as f:
        for t in json.load(f)["tables"]:
            if t["folder"]:
                ext = {e.split(".")[-1].strip("`") for e in t["external"]}
                ours[t["folder"]] = (t["name"], set(t["parents"]) | ext)

    theirs = {}
    slroot = os.path.join(work, f"sl-{n}", "pipelines")
    for dirpath, _, files in os.walk(slroot):
        if "pipeline_definition.json" not in files:
            continue
        with open(os.path.join(dirpath, "pipeline_definition.json")) as f:
            d = json.load(f)
        folder = os.path.relpath(dirpath, slroot).replace(os.sep, "/")
        theirs[folder] = (d.get("table_name", ""), {p["table_name"] for p in d.get("parents", [])})

    out = []
    kinds = Counter()
    examples = {}
    ours_wrong = []
    sl_tables_wrong = 0
    sl_ok = 0
    for folder, t in sorted(expected.items()):
        want = set(t["parents"]) | set(t.get("external", []))
        sql = read(root, t["dml"]) if t.get("dml") else ""
        o = ours.get(folder)
        if o is None or o[0] != t["name"] or o[1] != want:
            ours_wrong.append((folder, o, want))
        s = theirs.get(folder)
        if s is None:
            kinds["no pipeline_definition.json written"] += 1
            sl_tables_wrong += 1
            continue
        bad = False
        if s[0] != t["name"]:
            kinds["table name read wrong"] += 1
            bad = True
        for x in sorted(s[1] - want):
            k = "extra parent: " + classify_extra(x, sql)
            kinds[k] += 1
            examples.setdefault(k, f"{t['name']}: `{x}`")
            bad = True
        for x in sorted(want - s[1]):
            k = "missing parent: " + classify_missing(x, sql)
            kinds[k] += 1
            examples.setdefault(k, f"{t['name']}: `{x}`")
            bad = True
        if bad:
            sl_tables_wrong += 1
        else:
            sl_ok += 1
    total = len(expected)
    out.append(f"### Parents at {n} tables\n")
    out.append(f"Truth: the generator's `expected_parents.json` (it knows what each DML reads). "
               f"Ours: `shiftleft pipeline graph --format json` (parents + external). "
               f"shift_left: `parents` of each `pipeline_definition.json` from `build-all-metadata`.\n")
    out.append(f"- shiftleft (ours): {total - len(ours_wrong)} of {total} tables exactly right")
    out.append(f"- shift_left: {sl_ok} of {total} tables exactly right, {sl_tables_wrong} with at least one difference\n")
    seen.update(kinds)
    if kinds:
        out.append("| difference (shift_left vs truth) | count | example |")
        out.append("|---|---:|---|")
        for k, c in kinds.most_common():
            out.append(f"| {k} | {c} | {examples.get(k, '')} |")
        out.append("")
    if ours_wrong:
        out.append("Our differences (bugs to fix):\n")
        for folder, o, want in ours_wrong[:20]:
            got = "missing" if o is None else f"{o[0]} {sorted(o[1])}"
            out.append(f"- {folder}: got {got}, want {sorted(want)}")
        out.append("")
    return out


# EXPLAIN says why each kind of difference happens (shift_left 0.1.52
# extracts with regular expressions over the raw SQL text,
# core/utils/sql_parser.py; we lex the SQL and follow its grammar). Keys are
# the start of the kind's label.
EXPLAIN = [
    ("extra parent: word of a string literal",
     "shift_left does not mask string literals, so `'moved FROM archive JOIN queue'` "
     "gives parents `archive` and `queue`. Our lexer skips literals and comments before "
     "looking for FROM/JOIN."),
    ("extra parent: backquoted 3-part name",
     "``FROM `env_dev`.`kafka_x`.`t` ``: its pattern stops after the first backquoted "
     "part, so the parent is the catalog `env_dev`. We keep the qualified name and match "
     "the graph on its last part."),
    ("missing parent: backquoted 3-part name",
     "the same reference seen from the other side: the real parent `t` is lost."),
    ("missing parent: 3-part name dropped",
     "unquoted `catalog.db.table` has more than one dot, which shift_left takes for a "
     "topic name and drops."),
    ("missing parent: comma-separated",
     "`FROM a, b`: only the name right after FROM matches."),
    ("extra parent: LATERAL",
     "`CROSS JOIN LATERAL TABLE(f(x))` yields a parent named LATERAL."),
]

CONSEQUENCES = ("A parent shift_left misses is an edge missing from its DAG: changing that parent "
                "does not redeploy the child. A bogus parent becomes a synthetic `external_kafka` "
                "table (SL_KEEP_UNKNOWN_SQL_REFS_AS_EXTERNAL_KAFKA defaults to yes), so a typo is "
                "never reported either.")


def report(args):
    rows = []
    with open(args.times) as f:
        for line in f:
            r = line.rstrip("\n").split("\t")
            if len(r) == 8:
                rows.append(r)
    out = ["# shiftleft vs shift_left " + args.version, ""]
    out.append(f"Same generated projects (`go run ./tools/genproject -tables N -seed 1`), whole processes "
               f"under `/usr/bin/time`, median of the runs, each shift_left run capped at {args.cap} s. "
               f"Ratio = shift_left wall / ours. Load average at the end: {args.load} (2 cores; "
               f"on a busy machine wall times of both tools are inflated, CPU times less so).\n")
    out += timings(rows, args.cap)
    out.append("")
    out.append("Commands: `shift_left table build-inventory $PIPELINES` vs `shiftleft table build-inventory`; "
               "`shift_left pipeline build-all-metadata $PIPELINES` vs `shiftleft pipeline build-all-metadata`; "
               "`shift_left pipeline report TABLE $PIPELINES` vs `shiftleft pipeline report TABLE` "
               "(TABLE: the fact with the most ancestors).\n")
    seen = set()
    for n in args.compare.split():
        out += compare(args.work, n, seen)
    if seen:
        out.append("Why they differ:\n")
        for key, text in EXPLAIN:
            if any(k.startswith(key) for k in seen):
                out.append(f"- **{key}**: {text}")
        out.append(f"\n{CONSEQUENCES}")
    print("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("deepest")
    d.add_argument("expected")
    r = sub.add_parser("report")
    r.add_argument("--times", required=True)
    r.add_argument("--work", required=True)
    r.add_argument("--cap", type=int, default=900)
    r.add_argument("--version", default="")
    r.add_argument("--load", default="?")
    r.add_argument("--compare", default="")
    a = ap.parse_args()
    if a.cmd == "deepest":
        deepest(a.expected)
    else:
        report(a)


if __name__ == "__main__":
    sys.exit(main())
