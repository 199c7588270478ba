package selector

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical form
		atom Atom   // checked for single-atom inputs (Raw/Pos ignored)
	}{
		{in: "fct_revenue", want: "fct_revenue", atom: Atom{Method: MethodName, Value: "fct_revenue"}},
		{in: "+fct_revenue", want: "+fct_revenue", atom: Atom{Up: true, Method: MethodName, Value: "fct_revenue"}},
		{in: "fct_revenue+", want: "fct_revenue+", atom: Atom{Down: true, Method: MethodName, Value: "fct_revenue"}},
		{in: "2+fct_revenue", want: "2+fct_revenue", atom: Atom{Up: true, UpDepth: 2, Method: MethodName, Value: "fct_revenue"}},
		{in: "fct_revenue+3", want: "fct_revenue+3", atom: Atom{Down: true, DownDepth: 3, Method: MethodName, Value: "fct_revenue"}},
		{in: "+fct+", want: "+fct+", atom: Atom{Up: true, Down: true, Method: MethodName, Value: "fct"}},
		{in: "12+fct+4", want: "12+fct+4", atom: Atom{Up: true, UpDepth: 12, Down: true, DownDepth: 4, Method: MethodName, Value: "fct"}},
		{in: "@src", want: "@src", atom: Atom{At: true, Method: MethodName, Value: "src"}},
		{in: "@+src", want: "@+src", atom: Atom{At: true, Up: true, Method: MethodName, Value: "src"}},
		{in: "product:saleops", want: "product:saleops", atom: Atom{Method: MethodProduct, Value: "saleops"}},
		{in: "type:fact+", want: "type:fact+", atom: Atom{Down: true, Method: MethodType, Value: "fact"}},
		{in: "type:facts", want: "type:facts", atom: Atom{Method: MethodType, Value: "facts"}},
		{in: "type:external", want: "type:external", atom: Atom{Method: MethodType, Value: "external"}},
		{in: "type:*", want: "type:*", atom: Atom{Method: MethodType, Value: "*"}},
		{in: "path:facts/saleops", want: "path:facts/saleops", atom: Atom{Method: MethodPath, Value: "facts/saleops"}},
		{in: "facts/saleops", want: "path:facts/saleops", atom: Atom{Method: MethodPath, Value: "facts/saleops"}},
		{in: "path:facts/*/x?[ab]", want: "path:facts/*/x?[ab]", atom: Atom{Method: MethodPath, Value: "facts/*/x?[ab]"}},
		{in: "int_*", want: "int_*", atom: Atom{Method: MethodName, Value: "int_*"}},
		{in: "external:true", want: "external:true", atom: Atom{Method: MethodExternal, Value: "true"}},
		{in: "state:modified", want: "state:modified", atom: Atom{Method: MethodState, Value: "modified"}},
		{in: "state:modified.ddl+", want: "state:modified.ddl+", atom: Atom{Down: true, Method: MethodState, Value: "modified", Sub: "ddl"}},
		{in: "git:modified.breaking+", want: "git:modified.breaking+", atom: Atom{Down: true, Method: MethodGit, Value: "modified", Sub: "breaking"}},
		{in: "state:new", want: "state:new", atom: Atom{Method: MethodState, Value: "new"}},
		{in: "state:deleted", want: "state:deleted", atom: Atom{Method: MethodState, Value: "deleted"}},
		{in: "name:a.b", want: "a.b", atom: Atom{Method: MethodName, Value: "a.b"}},
		{in: "name:a/b", want: "name:a/b", atom: Atom{Method: MethodName, Value: "a/b"}},
		{in: "name:a:b", want: "name:a:b", atom: Atom{Method: MethodName, Value: "a:b"}},
		// Set operations.
		{in: "a b", want: "a b"},
		{in: "  a \t b  ", want: "a b"},
		{in: "a,b c", want: "a,b c"},
		{in: "+a,product:x b+2", want: "+a,product:x b+2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if tt.atom.Method == "" {
				return
			}
			if len(e.Union) != 1 || len(e.Union[0]) != 1 {
				t.Fatalf("Parse(%q): want one atom, got %v", tt.in, e)
			}
			got := e.Union[0][0]
			if got.Raw != tt.in {
				t.Errorf("Raw = %q, want %q", got.Raw, tt.in)
			}
			got.Raw, got.Pos = "", 0
			if got != tt.atom {
				t.Errorf("atom = %+v, want %+v", got, tt.atom)
			}
		})
	}
}

func TestParsePositions(t *testing.T) {
	e, err := Parse("a  +b,c+ d")
	if err != nil {
		t.Fatal(err)
	}
	var pos []int
	for _, in := range e.Union {
		for _, a := range in {
			pos = append(pos, a.Pos)
		}
	}
	want := []int{0, 3, 6, 9}
	if len(pos) != len(want) {
		t.Fatalf("positions %v, want %v", pos, want)
	}
	for i := range want {
		if pos[i] != want[i] {
			t.Fatalf("positions %v, want %v", pos, want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in    string
		pos   int
		token string
	}{
		{"", 0, ""},
		{"   ", 0, "   "},
		{"a,", 2, "a,"},
		{",a", 0, ",a"},
		{"x a,,b", 4, "a,,b"},
		{"@a+", 0, "@a+"},
		{"@a+2", 0, "@a+2"},
		{"++a", 1, "+"},
		{"a++", 1, "+"},
		{"a+x", 1, "+x"},
		{"0+a", 0, "0+"},
		{"a+0", 1, "+0"},
		{"+", 1, "+"},
		{"3+", 2, "3+"},
		{"b @", 3, "@"},
		{"+@a", 1, "@"},
		{"a@b", 1, "@"},
		{"foo:bar", 0, "foo"},
		{":bar", 0, ":"},
		{"product:", 8, "product:"},
		{"type:facts_x", 5, "facts_x"},
		{"external:yes", 9, "yes"},
		{"state:changed", 6, "changed"},
		{"state:modified.body", 14, ".body"},
		{"state:deleted+", 0, "state:deleted+"},
		{"path:facts/[", 5, "facts/["},
		{"ok bad:", 3, "bad"},
		{"99999999999999999999+a", 0, "99999999999999999999+"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want *SyntaxError", tt.in, err)
			}
			if se.Pos != tt.pos || se.Token != tt.token {
				t.Errorf("Parse(%q): pos %d token %q, want pos %d token %q (%v)", tt.in, se.Pos, se.Token, tt.pos, tt.token, se)
			}
			if se.Expr != tt.in || se.Msg == "" {
				t.Errorf("Parse(%q): bad error %+v", tt.in, se)
			}
		})
	}
}

// FuzzParse checks that Parse never panics, that errors point inside the
// expression, and that the canonical form of a parsed expression parses to
// the same canonical form.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a", "+a+", "3+a+4", "@a", "product:x,type:fact b", "path:facts/*", "state:modified.ddl+", "a,,b", "@a+", "0+a", "x:y", "a\tb", "name:a/b", "name:x:y+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %T, want *SyntaxError", s, err)
			}
			if se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q): position %d outside the input", s, se.Pos)
			}
			return
		}
		for _, in := range e.Union {
			for _, a := range in {
				if a.Pos < 0 || a.Pos+len(a.Raw) > len(s) || s[a.Pos:a.Pos+len(a.Raw)] != a.Raw {
					t.Fatalf("Parse(%q): atom %q at %d is not at that offset", s, a.Raw, a.Pos)
				}
			}
		}
		canon := e.String()
		e2, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if e2.String() != canon {
			t.Fatalf("canonical form unstable: %q → %q", canon, e2.String())
		}
		// The canonical form means what the input meant: the same atoms,
		// apart from where they were written.
		if got, want := meaning(e2), meaning(e); !reflect.DeepEqual(got, want) {
			t.Fatalf("canonical form %q of %q parses to\n%+v\nwant\n%+v", canon, s, got, want)
		}
	})
}

// meaning is e's atoms without Raw and Pos, which say where they were written.
func meaning(e Expr) [][]Atom {
	out := make([][]Atom, len(e.Union))
	for i, in := range e.Union {
		for _, a := range in {
			a.Raw, a.Pos = "", 0
			out[i] = append(out[i], a)
		}
	}
	return out
}
