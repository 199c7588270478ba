package config

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// SQLRewrite is one rule of sql_rewrites: text replaced in the SQL a table
// deploys to some environments, before it is planned, compared with what
// runs and submitted. It is the declarative stand-in for shift_left's
// app.sql_content_modifier Python hook (e.g. topic or schema-context names
// that carry the environment).
type SQLRewrite struct {
	// Find is literal text; FindRegex a Go (RE2) regular expression. One
	// of the two.
	Find      string `yaml:"find" json:"find,omitempty"`
	FindRegex string `yaml:"find_regex" json:"find_regex,omitempty"`
	// Replace replaces each match; ${environment} is the environment
	// deployed to, and with FindRegex $1, ${name} are its groups.
	Replace string `yaml:"replace" json:"replace"`
	// Environments the rule applies to (default: all).
	Environments []string `yaml:"environments" json:"environments,omitempty"`
	// Tables are name patterns (path.Match: *, ?, [a-z]) of the tables the
	// rule applies to (default: all).
	Tables []string `yaml:"tables" json:"tables,omitempty"`
	// Statements: ddl, dml (default: both).
	Statements []string `yaml:"statements" json:"statements,omitempty"`
}

// Rewriter applies the sql_rewrites rules of one environment.
type Rewriter struct {
	env   string
	rules []compiledRewrite
}

type compiledRewrite struct {
	SQLRewrite
	re      *regexp.Regexp // nil for Find
	replace string         // with ${environment} expanded
}

// Rewriter compiles the sql_rewrites rules that apply to environment. An
// invalid rule is an error naming its key.
func (c *Config) Rewriter(environment string) (*Rewriter, error) {
	rw := &Rewriter{env: environment}
	var errs []error
	for i, r := range c.SQLRewrites {
		cr, err := compileRewrite(r, environment)
		if err != nil {
			errs = append(errs, fmt.Errorf("sql_rewrites[%d].%s: %s", i, err.key, err.msg))
			continue
		}
		if len(r.Environments) == 0 || slices.Contains(r.Environments, environment) {
			rw.rules = append(rw.rules, cr)
		}
	}
	if len(errs) > 0 {
		where := "config"
		if c.Path != "" {
			where = c.Path
		}
		return nil, fmt.Errorf("%s: %w", where, errors.Join(errs...))
	}
	return rw, nil
}

// ruleError is a problem of one key of a rule.
type ruleError struct{ key, msg string }

func compileRewrite(r SQLRewrite, environment string) (compiledRewrite, *ruleError) {
	cr := compiledRewrite{SQLRewrite: r, replace: strings.ReplaceAll(r.Replace, "${environment}", environment)}
	switch {
	case (r.Find == "") == (r.FindRegex == ""):
		return cr, &ruleError{"find", "give find (literal text) or find_regex, not both or neither"}
	case r.FindRegex != "":
		re, err := regexp.Compile(r.FindRegex)
		if err != nil {
			return cr, &ruleError{"find_regex", err.Error()}
		}
		cr.re = re
	}
	for _, t := range r.Tables {
		if _, err := path.Match(t, ""); err != nil {
			return cr, &ruleError{"tables", fmt.Sprintf("%q is not a valid pattern", t)}
		}
	}
	for _, s := range r.Statements {
		if s != "ddl" && s != "dml" {
			return cr, &ruleError{"statements", fmt.Sprintf("%q: use ddl or dml", s)}
		}
	}
	for _, e := range r.Environments {
		if strings.TrimSpace(e) == "" {
			return cr, &ruleError{"environments", "an empty name"}
		}
	}
	return cr, nil
}

// rewriteProblems are the invalid rules, for Validate.
func (c *Config) rewriteProblems() []Problem {
	var ps []Problem
	for i, r := range c.SQLRewrites {
		if _, err := compileRewrite(r, ""); err != nil {
			ps = append(ps, Problem{Key: fmt.Sprintf("sql_rewrites[%d].%s", i, err.key), Message: err.msg})
		}
	}
	return ps
}

// Empty reports whether no rule applies to the environment.
func (rw *Rewriter) Empty() bool { return rw == nil || len(rw.rules) == 0 }

// Apply returns the SQL of a table's ddl or dml statement with the rules
// applied in order.
func (rw *Rewriter) Apply(table, kind, sql string) string {
	if rw == nil {
		return sql
	}
	for _, r := range rw.rules {
		if len(r.Statements) > 0 && !slices.Contains(r.Statements, kind) {
			continue
		}
		if len(r.Tables) > 0 && !slices.ContainsFunc(r.Tables, func(p string) bool { ok, _ := path.Match(p, table); return ok }) {
			continue
		}
		if r.re != nil {
			sql = r.re.ReplaceAllString(sql, r.replace)
		} else {
			sql = strings.ReplaceAll(sql, r.Find, r.replace)
		}
	}
	return sql
}
