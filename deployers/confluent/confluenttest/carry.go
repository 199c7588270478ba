package confluenttest

// propInitialOffsetFrom names the statement a new one takes its starting
// offsets from ("Carry-over Offsets in Confluent Cloud for Apache Flink",
// https://docs.confluent.io/cloud/current/flink/operate-and-deploy/carry-over-offsets.html).
const propInitialOffsetFrom = "sql.tables.initial-offset-from"

// checkOffsetSource says why a statement cannot start from the offsets of
// the statement named from ("" when it can): that statement must exist and
// be STOPPED, the only phase with latest_offsets (confluent_flink_statement
// in the docs of github.com/confluentinc/terraform-provider-confluent). The real
// service's wording is not documented; the status (422) and the rule are
// what the client relies on. Callers hold s.mu.
func (s *Server) checkOffsetSource(from string) string {
	src, ok := s.statements[from]
	switch {
	case from == "":
		return propInitialOffsetFrom + " is empty: name a STOPPED statement"
	case !ok:
		return propInitialOffsetFrom + ": statement " + from + " does not exist; offsets can only be carried over from an existing STOPPED statement"
	case src.Phase != "STOPPED":
		return propInitialOffsetFrom + ": statement " + from + " is " + src.Phase + ", not STOPPED; stop it first so its latest offsets are known"
	}
	return ""
}

// OffsetSource is the statement a statement was created to start from
// (its sql.tables.initial-offset-from), "" when none or unknown.
func (s *Server) OffsetSource(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.statements[name]; ok {
		return st.Properties[propInitialOffsetFrom]
	}
	return ""
}
