package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
//	create-external: DDL (wait COMPLETED); drop-external: drop
//
// A create step whose DML FAILED drops its table again (undoCreate).
func runStep(ctx context.Context, t deployers.Target, s *plan.Step, opts Options, report func(name, msg string)) (string, error) {
	switch s.Action {
	case plan.ActionCreateExternal:
		return createExternal(ctx, t, s, opts, report)
	case plan.ActionDropExternal:
		return dropExternal(ctx, t, s, report)
	}
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
			return last, undoCreate(ctx, t, s, fmt.Errorf("submit DML %s: %w", dmlName, err), report)
		}
		report(dmlName, "submitted")
		st, err := t.Wait(ctx, dmlName, []deployers.Phase{deployers.PhaseRunning}, opts.StatementTimeout)
		if err != nil {
			err = fmt.Errorf("DML %s: %w", dmlName, err)
			return last, undoCreate(ctx, t, s, err, report)
		}
		report(dmlName, string(st.Phase))
	}
	return last, nil
}

// undoCreate drops again the table a create step made when its DML failed
// (the plan says so: Step.DropOnFailure), so a failed first deploy leaves
// no half-created table behind: the table and its DDL statement go. On
// targets that keep a catalog (deployers.Info.KnowsTables) the FAILED DML
// statement stays, for its detail (report-running-statements lists it; the
// next deploy deletes it before it starts the DML again); elsewhere it is
// deleted too, as its existence would say the table exists.
// Only a statement that FAILED counts: a timeout or
// an interruption may still come up, and is left for a rerun. A cleanup
// that fails is added to the error.
func undoCreate(ctx context.Context, t deployers.Target, s *plan.Step, cause error, report func(name, msg string)) error {
	var se *deployers.StatementError
	if !s.DropOnFailure || s.Action != plan.ActionCreate || !errors.As(cause, &se) {
		return cause
	}
	var errs []error
	if dml := s.Statement(deployers.KindDML); dml != "" && !t.Info().KnowsTables {
		// A target that knows a table only through its statements
		// (Confluent) would take the FAILED DML for a sign the table
		// exists: it goes too.
		if err := t.DeleteStatement(ctx, dml); err != nil && !errors.Is(err, deployers.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	req := deployers.StatementRequest{Name: s.Drop, Table: s.Table, Kind: deployers.KindDrop, SQL: "DROP TABLE IF EXISTS `" + s.Table + "`"}
	if err := t.DropTable(ctx, req); err != nil && !errors.Is(err, deployers.ErrNotFound) {
		errs = append(errs, fmt.Errorf("drop table %s: %w", s.Table, err))
	} else {
		report(s.Drop, "dropped (its dml failed)")
	}
	if ddl := s.Statement(deployers.KindDDL); ddl != "" {
		if err := t.DeleteStatement(ctx, ddl); err != nil && !errors.Is(err, deployers.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w\nthe table was created by this run and could not be dropped again: %w", cause, errors.Join(errs...))
	}
	return fmt.Errorf("%w\nthe table was created by this run and has been dropped again", cause)
}

// createExternal creates an external input the plan found missing, from
// its definition (read with opts.SQL under the external's name).
func createExternal(ctx context.Context, t deployers.Target, s *plan.Step, opts Options, report func(name, msg string)) (string, error) {
	name := s.Statement(deployers.KindDDL)
	ddl, _, err := opts.SQL(s.Table)
	if err != nil {
		return "", fmt.Errorf("read the definition of external %s: %w", s.Table, err)
	}
	req := deployers.StatementRequest{Name: name, Table: s.Table, Kind: deployers.KindDDL, SQL: ddl, Record: true}
	if _, err := t.CreateTable(ctx, req); err != nil {
		return name, fmt.Errorf("create external %s with %s: %w", s.Table, name, err)
	}
	report(name, "submitted")
	st, err := t.Wait(ctx, name, []deployers.Phase{deployers.PhaseCompleted}, opts.StatementTimeout)
	if err != nil {
		return name, fmt.Errorf("create external %s: DDL %s: %w", s.Table, name, err)
	}
	report(name, string(st.Phase))
	return name, nil
}

// dropExternal drops an external input (undeploy --include-externals).
func dropExternal(ctx context.Context, t deployers.Target, s *plan.Step, report func(name, msg string)) (string, error) {
	req := deployers.StatementRequest{Name: s.Drop, Table: s.Table, Kind: deployers.KindDrop, SQL: "DROP TABLE IF EXISTS `" + s.Table + "`"}
	if err := t.DropTable(ctx, req); err != nil && !errors.Is(err, deployers.ErrNotFound) {
		return s.Drop, fmt.Errorf("drop external %s with %s: %w", s.Table, s.Drop, err)
	}
	report(s.Drop, "dropped")
	return s.Drop, nil
}

// explainMissingExternal rewords the failure of a step whose statement
// failed for want of an external input it reads: that input cannot be
// deployed, as it is not part of the project.
func explainMissingExternal(err error, externals []string) error {
	var se *deployers.StatementError
	if err == nil || !errors.As(err, &se) {
		return err
	}
	d := se.Detail
	if !strings.Contains(d, "does not exist") && !strings.Contains(d, "not found") && !strings.Contains(d, "Object '") {
		return err
	}
	for _, e := range externals {
		short := e[strings.LastIndexByte(e, '.')+1:]
		for _, q := range []string{"'" + short + "'", "`" + short + "`", "." + short + "'", "'" + e + "'"} {
			if strings.Contains(d, q) {
				return fmt.Errorf("%s: %w", plan.MissingExternalMessage(e), err)
			}
		}
	}
	return err
}
