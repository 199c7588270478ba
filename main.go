// Command shiftleft manages Flink SQL pipelines as code.
package main

import (
	"os"

	"github.com/shiftleft-dev/shiftleft/cli"
)

func main() { os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr)) }
