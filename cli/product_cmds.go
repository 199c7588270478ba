package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/shiftleft-dev/shiftleft/products"
	"github.com/shiftleft-dev/shiftleft/render"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

// productCommands are the `shiftleft product …` subcommands: the data
// products declared in pipelines/products/<product>.yaml.
func productCommands(e *Env) []*ucli.Command {
	return []*ucli.Command{productListCommand(e), productDescribeCommand(e), productValidateCommand(e), productCheckCommand(e)}
}

// productFlags are the pipelines flags without the scan's --strict, which
// `product validate` uses for the mesh rule.
func productFlags() []ucli.Flag {
	var out []ucli.Flag
	for _, f := range pipelinesFlags() {
		if f.Names()[0] != "strict" {
			out = append(out, f)
		}
	}
	return out
}

// lenientScan keeps references to tables outside the project warnings:
// product commands judge products, not the scan.
func lenientScan(o *workspace.Options) { o.Strict = false }

func productListCommand(e *Env) *ucli.Command {
	formats := []string{"table", "json", "markdown"}
	return &ucli.Command{
		Name:      "list",
		Usage:     "list the declared data products: id, domain, owner, number of output ports and of tables",
		UsageText: "shiftleft product list [--format table|json|markdown]",
		Flags:     append(productFlags(), formatFlag(formats...)),
		Action: func(c *ucli.Context) error {
			_, f, ws, err := e.openArgsFormat(c, 0, formats, nil, projectOnly, lenientScan)
			if err != nil {
				return err
			}
			l, err := ws.ListProducts(c.Context)
			if err != nil {
				return err
			}
			if f == "json" {
				return writeJSON(e.Stdout, l)
			}
			if len(l.Products) == 0 {
				_, err := fmt.Fprintf(e.Stdout, "No product is declared: add %s/<product>.yaml to the pipelines folder (see docs/products.md).\n", products.Dir)
				return err
			}
			t := render.Table{Header: []string{"PRODUCT", "ID", "DOMAIN", "OWNER", "PORTS", "TABLES"}}
			for _, p := range l.Products {
				t.Add(p.Product, orDash(p.ID), orDash(p.Domain), orDash(p.Owner), strconv.Itoa(p.Ports), strconv.Itoa(p.Tables))
			}
			style := render.StyleFor(e.StdoutIsTerminal)
			if f == "markdown" {
				style = render.Markdown
			}
			return t.Write(e.Stdout, style)
		},
	}
}

func productDescribeCommand(e *Env) *ucli.Command {
	formats := []string{"table", "json", "markdown"}
	return &ucli.Command{
		Name:      "describe",
		Usage:     "show a data product (by id or name): owner, domain, output ports with their columns and quality rules, upstream and downstream products",
		UsageText: "shiftleft product describe ID|PRODUCT [--format table|json|markdown] [--target T --environment ENV]",
		// The target flags choose the release document whose live
		// versions the ports name (default: the local target's).
		Flags: concatFlags(productFlags(), []ucli.Flag{formatFlag(formats...)}, targetFlags()),
		Action: func(c *ucli.Context) error {
			pos, f, ws, err := e.openArgsFormat(c, 1, formats, []string{"ID"}, projectOnly, lenientScan)
			if err != nil {
				return err
			}
			d, err := ws.DescribeProduct(c.Context, pos[0])
			if err != nil {
				return err
			}
			switch f {
			case "json":
				return writeJSON(e.Stdout, d)
			case "markdown":
				return writeDescriptionMarkdown(e.Stdout, d)
			}
			return writeDescription(e.Stdout, d, render.StyleFor(e.StdoutIsTerminal))
		},
	}
}

func productValidateCommand(e *Env) *ucli.Command {
	formats := []string{"table", "json"}
	return &ucli.Command{
		Name: "validate",
		Usage: "check the data products: every table in a declared product, ports naming its tables, owners set, and the mesh rule " +
			"(a product reads another only through its output ports); exit 1 on an error",
		UsageText: "shiftleft product validate [--strict] [--format table|json]",
		Flags: append(productFlags(), formatFlag(formats...),
			&ucli.BoolFlag{Name: "strict", Usage: "make mesh-rule violations and cycles between products errors (warnings otherwise)"}),
		Action: func(c *ucli.Context) error {
			_, f, ws, err := e.openArgsFormat(c, 0, formats, nil, projectOnly, lenientScan)
			if err != nil {
				return err
			}
			v, err := ws.ValidateProducts(c.Context, workspace.ValidateProductsRequest{Strict: c.Bool("strict")})
			if err != nil {
				return err
			}
			if f == "json" {
				err = writeJSON(e.Stdout, v)
			} else {
				err = writeValidation(e.Stdout, v)
			}
			if err != nil {
				return err
			}
			if v.Errors > 0 {
				return &ExitError{Code: ExitFailure, Err: fmt.Errorf("product validation found %s", plural(v.Errors, "error"))}
			}
			return nil
		},
	}
}

func writeValidation(w io.Writer, v *workspace.ProductValidation) error {
	var b strings.Builder
	for _, f := range v.Findings {
		fmt.Fprintf(&b, "%s: %s\n", f.Severity, f)
	}
	if len(v.Findings) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s checked: %s, %s.\n", plural(v.Products, "product"), plural(v.Errors, "error"), plural(v.Warnings, "warning"))
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDescription(w io.Writer, d *products.Description, style render.Style) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", title(d))
	kv := render.Table{}
	kv.Add("Domain", orDash(d.Domain))
	kv.Add("Owner", owner(d.Owner))
	kv.Add("Description", orDash(d.Description))
	kv.Add("Tags", orDash(strings.Join(d.Tags, ", ")))
	kv.Add("Manifest", d.Path)
	kv.Add("Tables", strconv.Itoa(len(d.Tables)))
	kv.Add("Upstream", orDash(strings.Join(d.Upstream, ", ")))
	kv.Add("Downstream", orDash(strings.Join(d.Downstream, ", ")))
	for _, row := range kv.Rows {
		fmt.Fprintf(&b, "%-12s %s\n", row[0]+":", row[1])
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	for _, p := range d.Ports {
		b.Reset()
		fmt.Fprintf(&b, "\nOutput port %s", p.Table)
		if p.LiveVersion != "" {
			fmt.Fprintf(&b, " (live: %s)", p.LiveVersion)
		}
		if p.Description != "" {
			fmt.Fprintf(&b, ": %s", p.Description)
		}
		fmt.Fprintf(&b, "\n  consumers: %s; freshness: %s; read by: %s\n", orDash(strings.Join(p.Consumers, ", ")), orDash(p.Freshness), orDash(strings.Join(p.ReadBy, ", ")))
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
		if p.ColumnsError != "" {
			fmt.Fprintf(w, "  columns: unknown (%s)\n", p.ColumnsError)
		} else if err := columnsTable(p.Columns).Write(w, style); err != nil {
			return err
		}
		if len(p.Quality) > 0 {
			fmt.Fprintln(w, "  quality rules:")
			for _, r := range p.Quality {
				fmt.Fprintf(w, "    - %s\n", r)
			}
		}
	}
	return nil
}

func writeDescriptionMarkdown(w io.Writer, d *products.Description) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", title(d))
	if d.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", d.Description)
	}
	kv := render.Table{Header: []string{"Metadata", "Value"}}
	kv.Add("Domain", orDash(d.Domain))
	kv.Add("Owner", owner(d.Owner))
	kv.Add("Tags", orDash(strings.Join(d.Tags, ", ")))
	kv.Add("Manifest", "`"+d.Path+"`")
	kv.Add("Tables", strconv.Itoa(len(d.Tables)))
	kv.Add("Upstream products", orDash(strings.Join(d.Upstream, ", ")))
	kv.Add("Downstream products", orDash(strings.Join(d.Downstream, ", ")))
	if err := kv.Write(&b, render.Markdown); err != nil {
		return err
	}
	for _, p := range d.Ports {
		fmt.Fprintf(&b, "\n### Output port `%s`\n\n", p.Table)
		if p.LiveVersion != "" {
			fmt.Fprintf(&b, "Live version: `%s`.\n\n", p.LiveVersion)
		}
		if p.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", p.Description)
		}
		fmt.Fprintf(&b, "Consumers: %s. Freshness: %s. Read by: %s.\n\n", orDash(strings.Join(p.Consumers, ", ")), orDash(p.Freshness), orDash(strings.Join(p.ReadBy, ", ")))
		if p.ColumnsError != "" {
			fmt.Fprintf(&b, "Columns unknown: %s.\n", p.ColumnsError)
		} else if err := columnsTable(p.Columns).Write(&b, render.Markdown); err != nil {
			return err
		}
		if len(p.Quality) > 0 {
			b.WriteString("\nQuality rules:\n\n")
			for _, r := range p.Quality {
				fmt.Fprintf(&b, "- `%s`\n", r)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func columnsTable(cols []products.Column) render.Table {
	t := render.Table{Header: []string{"COLUMN", "TYPE", "NULLABLE", "KEY"}}
	for _, c := range cols {
		key := ""
		if c.Key {
			key = "PK"
		}
		t.Add(c.Name, c.Type, yesNoCell(c.Nullable), key)
	}
	return t
}

func title(d *products.Description) string {
	if d.ID == "" {
		return d.Product
	}
	return d.ID + " (" + d.Product + ")"
}

func owner(o products.Owner) string {
	switch {
	case o.Team != "" && o.Contact != "":
		return o.Team + " <" + o.Contact + ">"
	case o.Team != "":
		return o.Team
	}
	return orDash(o.Contact)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNoCell(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
