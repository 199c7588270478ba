package workspace_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shiftleft-dev/shiftleft/internal/testfs"
	"github.com/shiftleft-dev/shiftleft/unittest"
	"github.com/shiftleft-dev/shiftleft/workspace"
)

func TestInitUnitTests(t *testing.T) {
	root := filepath.Join(t.TempDir(), "pipelines")
	testfs.CopyTree(t, testfs.SamplesDir(), root)
	rawDir := filepath.Join(testfs.SamplesDir(), "..", "raw_tables", "c360")
	open := func() *workspace.Workspace {
		ws, err := workspace.Open(context.Background(), workspace.Options{PipelinesDir: root, ProjectOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return ws
	}
	ctx := context.Background()

	for _, tc := range []struct {
		name string
		req  workspace.InitUnitTestsRequest
		// wantInputs in the order the DML reads them
		wantInputs []string
		wantFiles  int
		wantErr    string
	}{
		{name: "view reading a fact and a source",
			req:        workspace.InitUnitTestsRequest{Table: "c360_customer_analytics", Cases: 3, CSV: true},
			wantInputs: []string{"c360_fct_customer_profile", "src_c360_customers"},
			wantFiles:  1 + 2 + 3*(2+1)},
		{name: "source reading an external table, its DDL from an externals dir",
			req:        workspace.InitUnitTestsRequest{Table: "src_c360_customers", ExternalsDirs: []string{rawDir}},
			wantInputs: []string{"raw_c360_customers"},
			wantFiles:  1 + 1 + 2*(1+1)},
		{name: "external input without a DDL",
			req:     workspace.InitUnitTestsRequest{Table: "src_c360_products"},
			wantErr: "src_c360_products reads raw_c360_products, which has no DDL in the project (no --externals-dir was given)"},
		{name: "unknown table", req: workspace.InitUnitTestsRequest{Table: "c360_fct_customer_profil"},
			wantErr: "no table named c360_fct_customer_profil; did you mean c360_fct_customer_profile"},
		{name: "external table", req: workspace.InitUnitTestsRequest{Table: "raw_c360_products"},
			wantErr: "raw_c360_products is an external table"},
		{name: "too many cases", req: workspace.InitUnitTestsRequest{Table: "int_c360_customer_transactions", Cases: 1000},
			wantErr: "--nb-test-cases 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := open().InitUnitTests(ctx, tc.req)
			if tc.wantErr != "" {
				var re *workspace.RequestError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &re) {
					t.Fatalf("err %v, want a request error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(res.Inputs, ",") != strings.Join(tc.wantInputs, ",") || len(res.Files) != tc.wantFiles {
				t.Fatalf("inputs %v, %d files %v", res.Inputs, len(res.Files), res.Files)
			}
			for _, f := range res.Files {
				if _, err := os.Stat(filepath.Join(root, f)); err != nil {
					t.Errorf("file %s: %v", f, err)
				}
			}
			// The suite loads with the runner's reader, every file present.
			s, warns, err := unittest.Load(filepath.Join(root, res.Folder))
			if err != nil || len(warns) > 0 {
				t.Fatalf("load: %v %v", err, warns)
			}
			if strings.Join(s.CaseNames(), ",") != strings.Join(res.Cases, ",") {
				t.Errorf("cases %v, want %v", s.CaseNames(), res.Cases)
			}
			// A second run refuses and names the files; nothing changes.
			def := filepath.Join(root, res.Folder, "tests", "test_definitions.yaml")
			before, _ := os.ReadFile(def)
			_, err = open().InitUnitTests(ctx, tc.req)
			var ee *workspace.ExistingFilesError
			if !errors.As(err, &ee) || ee.Paths[0] != res.Folder+"/tests/test_definitions.yaml" || len(ee.Paths) != tc.wantFiles {
				t.Fatalf("second run: %v", err)
			}
			if after, _ := os.ReadFile(def); string(after) != string(before) {
				t.Error("second run changed the definition file")
			}
		})
	}

	// One existing file stops the whole suite: nothing else is written.
	folder := filepath.Join(root, "intermediates", "c360", "int_c360_customer_transactions", "tests")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "validate_int_c360_customer_transactions_2.sql"), []byte("SELECT 'PASS'"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := open().InitUnitTests(ctx, workspace.InitUnitTestsRequest{Table: "int_c360_customer_transactions"})
	var ee *workspace.ExistingFilesError
	if !errors.As(err, &ee) || len(ee.Paths) != 1 || !strings.Contains(err.Error(), "tests/validate_int_c360_customer_transactions_2.sql exists already") {
		t.Fatalf("err %v", err)
	}
	if entries, _ := os.ReadDir(folder); len(entries) != 1 {
		t.Errorf("a refused init wrote %d files", len(entries)-1)
	}
}
