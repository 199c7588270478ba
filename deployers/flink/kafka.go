package flink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Topics are created and deleted with the tables, as Confluent Cloud does:
// Flink's Kafka source asks for the topic's metadata when the job starts
// and fails on a topic nobody wrote to yet, so a job reading a fresh table
// would fail until its upstream job produced a first record.

// kafkaTopic returns the bootstrap servers and topic of a rendered table
// whose connector is kafka or upsert-kafka ("", "" otherwise).
func kafkaTopic(opts map[string]string) (bootstrap, topic string) {
	c := opts["connector"]
	if c != "kafka" && c != "upsert-kafka" {
		return "", ""
	}
	return opts["properties.bootstrap.servers"], opts["topic"]
}

// withAdmin runs fn with a Kafka admin client for bootstrap.
func withAdmin(ctx context.Context, bootstrap string, fn func(*kadm.Client) error) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(bootstrap, ",")...), kgo.DialTimeout(10*time.Second))
	if err != nil {
		return fmt.Errorf("kafka client for %s: %w", bootstrap, err)
	}
	defer cl.Close()
	return fn(kadm.NewClient(cl))
}

// createTopic creates topic with partitions (0: the broker's default; the
// table's DISTRIBUTED … INTO n BUCKETS), the broker's default replication
// and configs (translated from kafka.* options); an existing topic is
// fine and is left as it is.
func createTopic(ctx context.Context, bootstrap, topic string, partitions int32, configs map[string]string) error {
	return withAdmin(ctx, bootstrap, func(adm *kadm.Client) error {
		if partitions <= 0 {
			partitions = -1
		}
		var cfg map[string]*string
		if len(configs) > 0 {
			cfg = make(map[string]*string, len(configs))
			for k, v := range configs {
				cfg[k] = kadm.StringPtr(v)
			}
		}
		resp, err := adm.CreateTopics(ctx, partitions, -1, cfg, topic)
		if err != nil {
			return fmt.Errorf("create Kafka topic %s at %s: %w", topic, bootstrap, err)
		}
		for _, r := range resp {
			if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
				return fmt.Errorf("create Kafka topic %s at %s: %w", topic, bootstrap, r.Err)
			}
		}
		return nil
	})
}

// deleteTopic deletes topic and waits until the broker no longer lists it,
// so a table re-created right after gets a new, empty topic. A missing
// topic is fine.
func deleteTopic(ctx context.Context, bootstrap, topic string, poll time.Duration) error {
	return withAdmin(ctx, bootstrap, func(adm *kadm.Client) error {
		resp, err := adm.DeleteTopics(ctx, topic)
		if err != nil {
			return fmt.Errorf("delete Kafka topic %s at %s: %w", topic, bootstrap, err)
		}
		for _, r := range resp {
			if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
				return fmt.Errorf("delete Kafka topic %s at %s: %w", topic, bootstrap, r.Err)
			}
		}
		for wait := poll; ; wait = min(2*wait, time.Second) {
			topics, err := adm.ListTopics(ctx)
			if err != nil {
				return fmt.Errorf("list Kafka topics at %s: %w", bootstrap, err)
			}
			if !topics.Has(topic) {
				return nil
			}
			if err := sleep(ctx, wait); err != nil {
				return fmt.Errorf("Kafka topic %s still listed after delete: %w", topic, err)
			}
		}
	})
}

// listTopics returns the topics the broker lists.
func listTopics(ctx context.Context, bootstrap string) (map[string]bool, error) {
	out := map[string]bool{}
	err := withAdmin(ctx, bootstrap, func(adm *kadm.Client) error {
		topics, err := adm.ListTopics(ctx)
		if err != nil {
			return fmt.Errorf("list Kafka topics at %s: %w", bootstrap, err)
		}
		for _, name := range topics.Names() {
			out[name] = true
		}
		return nil
	})
	return out, err
}
