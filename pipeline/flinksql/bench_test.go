package flinksql

import (
	"os"
	"testing"
)

// benchSQL runs fn over src as a throughput benchmark.
func benchSQL(b *testing.B, src []byte, fn func([]byte) error) {
	b.Helper()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if err := fn(src); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDML is a realistic 3 KB DML: CTEs, joins, subqueries, comments,
// strings.
func benchDML(b *testing.B) []byte {
	b.Helper()
	src, err := os.ReadFile("testdata/bench_dml.sql")
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// BenchmarkAnalyze measures lex + analyze with a reused Analyzer, as a
// project scan does per worker.
func BenchmarkAnalyze(b *testing.B) {
	var az Analyzer
	benchSQL(b, benchDML(b), func(src []byte) error { _, err := az.Analyze(src); return err })
}

// BenchmarkAnalyzeFresh is the same through the package-level Analyze
// (new buffers on every call).
func BenchmarkAnalyzeFresh(b *testing.B) {
	benchSQL(b, benchDML(b), func(src []byte) error { _, err := Analyze(src); return err })
}

func BenchmarkLex(b *testing.B) {
	var l Lexer
	benchSQL(b, benchDML(b), func(src []byte) error { _, err := l.Lex(src); return err })
}

func BenchmarkNormalize(b *testing.B) {
	benchSQL(b, benchDML(b), func(src []byte) error { _, err := Normalize(src); return err })
}

// BenchmarkAnalyzeWide: thousands of names in one file stay linear.
func BenchmarkAnalyzeWide(b *testing.B) {
	var az Analyzer
	benchSQL(b, []byte(wideSQL(10000)), func(src []byte) error { _, err := az.Analyze(src); return err })
}
