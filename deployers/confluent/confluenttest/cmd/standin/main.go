// Command standin runs the Confluent Cloud stand-in on a loopback port for
// CLI testscripts and manual tries:
//
//	go run ./deployers/confluent/confluenttest/cmd/standin -addr 127.0.0.1:0 -print-url -config-out config.yaml
//
// It prints the base URL (and optionally writes a config.yaml pointing at
// itself), then serves until SIGINT/SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/shiftleft-dev/shiftleft/deployers/confluent/confluenttest"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("standin", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	printURL := fs.Bool("print-url", false, "print the base URL on stdout")
	configOut := fs.String("config-out", "", "write a config.yaml pointing at the stand-in to this file")
	urlOut := fs.String("url-out", "", "write the base URL to this file")
	existing := fs.String("existing", "", "comma-separated catalog.database.table names that exist from the start")
	rateEvery := fs.Int("rate-limit-every", 0, "answer 429 to every Nth mutating call")
	retryAfter := fs.String("retry-after", "", "Retry-After value of 429 answers")
	failMatching := fs.String("fail", "", "regexp of statement names that go FAILED")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var tables []string
	if *existing != "" {
		tables = strings.Split(*existing, ",")
	}
	s, err := confluenttest.Start(confluenttest.Options{Addr: *addr, ExistingTables: tables})
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		return 1
	}
	defer s.Close()
	s.SetFaults(confluenttest.Faults{RateLimitEvery: *rateEvery, RetryAfter: *retryAfter, FailMatching: *failMatching})
	if *configOut != "" {
		if err := os.WriteFile(*configOut, []byte(s.ConfigYAML()), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "standin:", err)
			return 1
		}
	}
	if *urlOut != "" {
		if err := os.WriteFile(*urlOut, []byte(s.URL()+"\n"), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "standin:", err)
			return 1
		}
	}
	if *printURL {
		fmt.Println(s.URL())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return 0
}
