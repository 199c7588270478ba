package flink_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/shiftleft-dev/shiftleft/config"
	"github.com/shiftleft-dev/shiftleft/deployers/flink"
)

func TestOptionsFromConfig(t *testing.T) {
	yaml := []byte(`
flink_gateway:
  url: https://gw:8083
  jobmanager_url: https://jm:8081
flink:
  catalog_name: cat
  database_name: db
targets:
  flink:
    savepoint_dir: file:///sp
    table_options: {connector: upsert-kafka, key.format: json}
    remove_options: ["my.*"]
`)
	cfg, err := config.Parse(yaml, "config.yaml", config.MapEnv(map[string]string{"SL_FLINK_JOBMANAGER_URL": "https://other:8081"}))
	if err != nil {
		t.Fatal(err)
	}
	got := flink.OptionsFromConfig(cfg)
	want := flink.Options{
		GatewayURL: "https://gw:8083", JobManagerURL: "https://other:8081", Catalog: "cat", Database: "db",
		SavepointDir: "file:///sp", TableOptions: map[string]string{"connector": "upsert-kafka", "key.format": "json"},
		RemoveOptions: []string{"my.*"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("OptionsFromConfig =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := flink.New(got); err != nil {
		t.Errorf("New(OptionsFromConfig) = %v", err)
	}
	if p := flink.StateFile(filepath.Join("x", flink.StateDirName), "dev"); p != filepath.Join("x", ".shiftleft", "flink-dev.json") {
		t.Errorf("StateFile = %s", p)
	}
}
