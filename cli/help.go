package cli

import (
	"reflect"
	"regexp"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// usageDefault is a default stated in a flag's usage text, in words.
var usageDefault = regexp.MustCompile(`\s*\(default: ([^()]*)\)$`)

// tidyDefaults makes the help say each flag's default once. urfave appends
// "(default: V)" to every flag with a non-zero value and to every switch
// ("(default: false)"), after the default the usage text may already
// state in words ("(default: fail at once) (default: 0s)"). A switch is
// off unless given, so its "(default: false)" goes; a default stated in
// words replaces urfave's value.
func tidyDefaults(flags []ucli.Flag, cmds []*ucli.Command) {
	for _, f := range flags {
		tidyDefault(f)
	}
	for _, c := range cmds {
		tidyDefaults(c.Flags, c.Subcommands)
	}
}

func tidyDefault(f ucli.Flag) {
	if bf, ok := f.(*ucli.BoolFlag); ok {
		bf.DisableDefaultText = true
		return
	}
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	usage, text := v.Elem().FieldByName("Usage"), v.Elem().FieldByName("DefaultText")
	if !usage.IsValid() || !text.IsValid() || usage.Kind() != reflect.String || text.Kind() != reflect.String || !text.CanSet() {
		return
	}
	m := usageDefault.FindStringSubmatchIndex(usage.String())
	if m == nil {
		return
	}
	u := usage.String()
	text.SetString(strings.TrimSpace(u[m[2]:m[3]]))
	usage.SetString(u[:m[0]])
}
