package flinksql

import (
	"os"
	"testing"
)

// BenchmarkAnalyze measures lex + analyze of a realistic 3 KB DML (CTEs,
// joins, subqueries, comments, strings) with a reused Analyzer, as a
// project scan does per worker.
func BenchmarkAnalyze(b *testing.B) {
	src, err := os.ReadFile("testdata/bench_dml.sql")
	if err != nil {
		b.Fatal(err)
	}
	var az Analyzer
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := az.Analyze(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeFresh is the same through the package-level Analyze
// (new buffers on every call).
func BenchmarkAnalyzeFresh(b *testing.B) {
	src, err := os.ReadFile("testdata/bench_dml.sql")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLex(b *testing.B) {
	src, err := os.ReadFile("testdata/bench_dml.sql")
	if err != nil {
		b.Fatal(err)
	}
	var l Lexer
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Lex(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	src, err := os.ReadFile("testdata/bench_dml.sql")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeWide: thousands of names in one file stay linear.
func BenchmarkAnalyzeWide(b *testing.B) {
	src := []byte(wideSQL(10000))
	var az Analyzer
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := az.Analyze(src); err != nil {
			b.Fatal(err)
		}
	}
}
