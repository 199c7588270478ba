package flink

import (
	"fmt"
	"sort"
	"strings"
)

// TopicSettings renders the topic a table's DDL would get (partitions and
// configs), "" when it has no Kafka topic settings or does not render.
func TopicSettings(t *Target, table, sql string) string {
	r, err := t.render(table, sql)
	if err != nil || (r.Partitions == 0 && len(r.TopicConfigs) == 0) {
		return ""
	}
	lines := []string{fmt.Sprintf("partitions=%d", r.Partitions)}
	var cfg []string
	for k, v := range r.TopicConfigs {
		cfg = append(cfg, k+"="+v)
	}
	sort.Strings(cfg)
	return strings.Join(append(lines, cfg...), "\n") + "\n"
}
