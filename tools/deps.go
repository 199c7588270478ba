//go:build tools

// Package tools pins the modules the project depends on before code imports them.
package tools

import (
	_ "github.com/dominikbraun/graph"
	_ "github.com/go-git/go-git/v5"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/urfave/cli/v2"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/term"
)
