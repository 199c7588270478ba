// Command genproject generates a synthetic Flink SQL pipeline project for
// benchmarks and tests:
//
//	go run ./tools/genproject -tables 10000 -seed 1 -out /tmp/proj [-product-size 50] [-git-commits 20 -changes-per-commit 3]
//
// It writes OUT/pipelines (shift_left's layout) and OUT/expected_parents.json,
// and with -git-commits makes OUT a git repository with that many commits
// after the initial one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shiftleft-dev/shiftleft/internal/projectgen"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run parses args, generates and reports; it returns the exit code (2 for
// usage errors, 1 when generation fails).
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("genproject", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts projectgen.Options
	var out string
	fs.IntVar(&opts.Tables, "tables", 1000, "number of project tables")
	fs.Int64Var(&opts.Seed, "seed", 1, "random seed (same seed and options, same bytes)")
	fs.IntVar(&opts.ProductSize, "product-size", 50, "tables per product")
	fs.IntVar(&opts.Workers, "workers", 4, "goroutines writing files")
	fs.IntVar(&opts.GitCommits, "git-commits", 0, "make OUT a git repository with this many commits after the initial one")
	fs.IntVar(&opts.ChangesPerCommit, "changes-per-commit", 3, "tables changed by each commit")
	fs.StringVar(&out, "out", "", "output folder (required; must not hold a pipelines folder yet)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "genproject: unexpected arguments %q: every option is a flag\n", fs.Args())
		return 2
	}
	if out == "" {
		fmt.Fprintln(stderr, "genproject: -out DIR is required")
		return 2
	}
	start := time.Now()
	sum, err := projectgen.Generate(out, opts)
	if err != nil {
		fmt.Fprintf(stderr, "genproject: %v\n", err)
		return 1
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "generated %d tables in %d products (%d source, %d intermediate, %d dimension, %d fact, %d view), %d external tables\n",
		len(sum.Tables), sum.Products, sum.ByType["source"], sum.ByType["intermediate"], sum.ByType["dimension"],
		sum.ByType["fact"], sum.ByType["view"], len(sum.ExternalTables))
	fmt.Fprintf(stdout, "%d edges (%d across products), %d files, %.1f MB in %s\n",
		sum.Edges, sum.CrossProduct, sum.Files, float64(sum.Bytes)/1e6, elapsed.Round(time.Millisecond))
	if len(sum.Commits) > 0 {
		last := sum.Commits[len(sum.Commits)-1]
		fmt.Fprintf(stdout, "git: %d commits, HEAD %s (%s)\n", len(sum.Commits), last.Hash, last.Time.Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "pipelines: %s\nexpected parents: %s\n", sum.Pipelines, out+string(os.PathSeparator)+projectgen.ExpectedFile)
	return 0
}
