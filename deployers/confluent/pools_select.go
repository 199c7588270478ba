package confluent

import (
	"context"
	"fmt"
	"strings"
)

// PoolChoice is the outcome of ChoosePool.
type PoolChoice struct {
	// ID is the pool to use ("" when Create is set).
	ID string
	// Create asks the caller to create a pool named Name (with CreatePool);
	// set only when creation was allowed.
	Create bool
	Name   string
	// Reason says why, for plans and logs.
	Reason string
}

// PoolName is shift_left's pool naming convention:
// "<cluster_type>-<table with _ → ->", recordconfiguration → reccfg,
// recordexecution → recexe, cut to 64 characters.
func PoolName(clusterType, table string) string {
	n := clusterType + "-" + strings.ReplaceAll(table, "_", "-")
	n = strings.ReplaceAll(n, "recordconfiguration", "reccfg")
	n = strings.ReplaceAll(n, "recordexecution", "recexe")
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// PoolSelector applies the pool rules to one listing of the pools.
type PoolSelector struct {
	byID   map[string]ComputePool
	byName map[string][]string // display name → ids
	// MaxPercent is flink.max_cfu_percent_before_allocation.
	MaxPercent float64
}

// NewPoolSelector indexes a listing; maxPercent ≤ 0 means 0.8.
func NewPoolSelector(pools []ComputePool, maxPercent float64) *PoolSelector {
	if maxPercent <= 0 {
		maxPercent = 0.8
	}
	s := &PoolSelector{byID: map[string]ComputePool{}, byName: map[string][]string{}, MaxPercent: maxPercent}
	for _, p := range pools {
		s.byID[p.ID] = p
		s.byName[p.Spec.DisplayName] = append(s.byName[p.Spec.DisplayName], p.ID)
	}
	return s
}

// Usable reports whether a pool may take one more statement: it exists,
// is PROVISIONED, and current_cfu/max_cfu is under MaxPercent. The reason
// says why not.
func (s *PoolSelector) Usable(id string) (bool, string) {
	p, ok := s.byID[id]
	switch {
	case id == "":
		return false, "no pool given"
	case !ok:
		return false, "pool " + id + " does not exist in this environment and region"
	case p.Status.Phase != PoolProvisioned:
		return false, fmt.Sprintf("pool %s is %s, not PROVISIONED", id, p.Status.Phase)
	case p.Spec.MaxCFU <= 0:
		return false, fmt.Sprintf("pool %s reports max_cfu %d", id, p.Spec.MaxCFU)
	case float64(p.Status.CurrentCFU)/float64(p.Spec.MaxCFU) >= s.MaxPercent:
		return false, fmt.Sprintf("pool %s uses %d of %d CFU, at or over %.0f%%", id, p.Status.CurrentCFU, p.Spec.MaxCFU, s.MaxPercent*100)
	}
	return true, ""
}

// Choose applies issue 5's rules in order: the pool of the table's running
// statement (existing), then the --compute-pool-id flag (cliPool), then
// flink.compute_pool_id (cfgPool), then the one pool named by the
// convention (PoolName, e.g. made by an earlier --pool-creation); each only
// if Usable. When none is usable and allowCreate is set, it asks for a new
// pool named by PoolName; otherwise it is an error that lists why each
// candidate was refused.
func (s *PoolSelector) Choose(table, clusterType, existing, cliPool, cfgPool string, allowCreate bool) (PoolChoice, error) {
	var why []string
	for _, cand := range []struct{ id, source string }{
		{existing, "pool of the running statement"},
		{cliPool, "--compute-pool-id"},
		{cfgPool, "flink.compute_pool_id"},
	} {
		if cand.id == "" {
			continue
		}
		ok, reason := s.Usable(cand.id)
		if ok {
			return PoolChoice{ID: cand.id, Reason: cand.source}, nil
		}
		why = append(why, cand.source+": "+reason)
	}
	name := PoolName(clusterType, table)
	if ids := s.byName[name]; len(ids) == 1 {
		if ok, reason := s.Usable(ids[0]); ok {
			return PoolChoice{ID: ids[0], Reason: "pool named " + name}, nil
		} else {
			why = append(why, "pool named "+name+": "+reason)
		}
	}
	if allowCreate {
		return PoolChoice{Create: true, Name: name, Reason: "no usable pool (" + strings.Join(why, "; ") + ")"}, nil
	}
	if len(why) == 0 {
		return PoolChoice{}, fmt.Errorf("table %s: no compute pool: set flink.compute_pool_id or pass --compute-pool-id", table)
	}
	return PoolChoice{}, fmt.Errorf("table %s: no usable compute pool (%s); pass another --compute-pool-id or allow --pool-creation",
		table, strings.Join(why, "; "))
}

// ChoosePool lists the pools once per target (cached) and applies
// PoolSelector.Choose with the configured pool and thresholds.
func (t *Target) ChoosePool(ctx context.Context, table, existing, cliPool string, allowCreate bool) (PoolChoice, error) {
	t.mu.Lock()
	pools := t.pools
	t.mu.Unlock()
	if pools == nil {
		var err error
		if pools, err = t.c.ListComputePools(ctx); err != nil {
			return PoolChoice{}, err
		}
		if pools == nil {
			pools = []ComputePool{}
		}
		t.mu.Lock()
		t.pools = pools
		t.mu.Unlock()
	}
	return NewPoolSelector(pools, t.maxPct).Choose(table, t.cluster, existing, cliPool, t.pool, allowCreate)
}

// CreatePool creates a pool with flink.max_cfu (10 when not an allowed
// value) and waits until PROVISIONED. It is a separate, explicit call so
// plan-only paths (build-execution-plan, --dry-run) never create anything.
func (t *Target) CreatePool(ctx context.Context, name string) (*ComputePool, error) {
	cfu := t.maxCFU
	ok := false
	for _, v := range AllowedMaxCFU {
		ok = ok || v == cfu
	}
	if !ok {
		cfu = 10
	}
	p, err := t.c.CreateComputePool(ctx, name, cfu)
	if err != nil {
		return nil, err
	}
	p, err = t.c.WaitComputePool(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.pools = append(t.pools, *p)
	t.mu.Unlock()
	return p, nil
}
