package executor

import (
	"context"
	"errors"
	"fmt"

	"github.com/shiftleft-dev/shiftleft/deployers"
	"github.com/shiftleft-dev/shiftleft/plan"
)

// runStep runs one step's statements in order and returns the last
// statement it touched. Every part is safe to repeat: deleting a missing
// statement and dropping a missing table are no-ops, so a step interrupted
// half-way can run again.
//
//	create:   delete old DML → DDL (wait COMPLETED) → DML (wait RUNNING)
//	recreate: delete old DML and the readers' DML → drop → DDL → DML
//	restart, start: delete old DML → DML
//	drop:     delete DML → drop → delete the DDL statement
func runStep(ctx context.Context, t deployers.Target, s *plan.Step, opts Options, report func(name, msg string)) (string, error) {
	ddlName := s.Statement(deployers.KindDDL)
	dmlName := s.Statement(deployers.KindDML)
	var ddl, dml string
	if s.Action != plan.ActionDrop {
		var err error
		if ddl, dml, err = opts.SQL(s.Table); err != nil {
			return "", fmt.Errorf("read SQL: %w", err)
		}
	}
	props := func(kind deployers.StatementKind) map[string]string {
		if opts.Properties == nil {
			return nil
		}
		return opts.Properties(s.Table, kind)
	}
	last := ""
	known := map[string]bool{}
	for _, name := range s.Replaces {
		known[name] = true
	}
	// del deletes a statement; only the deletion of statements the plan
	// saw running is reported (the others are precautions, usually no-ops).
	del := func(name string) error {
		if name == "" {
			return nil
		}
		last = name
		err := t.DeleteStatement(ctx, name)
		switch {
		case errors.Is(err, deployers.ErrNotFound):
			return nil
		case err != nil:
			return err // targets name the statement in their errors
		}
		if known[name] {
			report(name, "deleted")
		}
		return nil
	}

	old := append([]string(nil), s.Replaces...)
	if dmlName != "" {
		old = append(old, dmlName)
	}
	seen := map[string]bool{}
	for _, name := range old {
		if seen[name] {
			continue
		}
		seen[name] = true
		if err := del(name); err != nil {
			return last, err
		}
	}

	if s.Action == plan.ActionRecreate || s.Action == plan.ActionDrop {
		last = s.Drop
		req := deployers.StatementRequest{Name: s.Drop, Table: s.Table, Kind: deployers.KindDrop, SQL: "DROP TABLE IF EXISTS `" + s.Table + "`"}
		if err := t.DropTable(ctx, req); err != nil && !errors.Is(err, deployers.ErrNotFound) {
			return last, fmt.Errorf("drop table %s with %s: %w", s.Table, s.Drop, err)
		}
		report(s.Drop, "dropped")
		if s.Action == plan.ActionDrop {
			// The finished DDL statement goes too; the step's statement
			// stays the drop unless that cleanup fails.
			if err := del(ddlName); err != nil {
				return last, err
			}
			return s.Drop, nil
		}
	}

	if (s.Action == plan.ActionCreate || s.Action == plan.ActionRecreate) && ddlName != "" {
		// A finished statement with the same name would make the submit
		// fail (Confluent answers 409): remove it first.
		if err := del(ddlName); err != nil {
			return last, err
		}
		last = ddlName
		req := deployers.StatementRequest{Name: ddlName, Table: s.Table, Kind: deployers.KindDDL, SQL: ddl, Properties: props(deployers.KindDDL),
			Record: dmlName == ""}
		if _, err := t.CreateTable(ctx, req); err != nil {
			return last, fmt.Errorf("submit DDL %s: %w", ddlName, err)
		}
		report(ddlName, "submitted")
		st, err := t.Wait(ctx, ddlName, []deployers.Phase{deployers.PhaseCompleted}, opts.StatementTimeout)
		if err != nil {
			return last, fmt.Errorf("DDL %s: %w", ddlName, err)
		}
		report(ddlName, string(st.Phase))
	}

	if dmlName != "" {
		last = dmlName
		req := deployers.StatementRequest{Name: dmlName, Table: s.Table, Kind: deployers.KindDML, SQL: dml, Properties: props(deployers.KindDML)}
		if _, err := t.StartStatement(ctx, req); err != nil {
			return last, fmt.Errorf("submit DML %s: %w", dmlName, err)
		}
		report(dmlName, "submitted")
		st, err := t.Wait(ctx, dmlName, []deployers.Phase{deployers.PhaseRunning}, opts.StatementTimeout)
		if err != nil {
			return last, fmt.Errorf("DML %s: %w", dmlName, err)
		}
		report(dmlName, string(st.Phase))
	}
	return last, nil
}
