package confluent

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/shiftleft-dev/shiftleft/deployers"
)

// ComputePool is the fcpm/v2 ComputePool object (the fields we use).
type ComputePool struct {
	ID   string `json:"id"`
	Spec struct {
		DisplayName string `json:"display_name"`
		Cloud       string `json:"cloud"`
		Region      string `json:"region"`
		MaxCFU      int    `json:"max_cfu"`
		Environment struct {
			ID string `json:"id"`
		} `json:"environment"`
	} `json:"spec"`
	Status struct {
		Phase      string `json:"phase"`
		CurrentCFU int    `json:"current_cfu"`
	} `json:"status"`
}

// Pool phases (open set).
const (
	PoolProvisioning = "PROVISIONING"
	PoolProvisioned  = "PROVISIONED"
	PoolFailed       = "FAILED"
)

func (c *Client) poolsURL() string { return c.cloudBase + "/fcpm/v2/compute-pools" }

// ListComputePools lists the environment's pools in the configured region
// (all regions when none is configured), following metadata.next.
func (c *Client) ListComputePools(ctx context.Context) ([]ComputePool, error) {
	var all []ComputePool
	token := ""
	seen := map[string]bool{}
	for page := 0; page < maxPages; page++ {
		q := url.Values{}
		q.Set("environment", c.env)
		q.Set("page_size", fmt.Sprint(c.pageSize))
		if c.region != "" {
			q.Set("spec.region", c.region)
		}
		if token != "" {
			q.Set("page_token", token)
		}
		ans, err := c.do(ctx, call{method: "GET", url: c.poolsURL() + "?" + q.Encode(), op: "list compute pools", cloud: true})
		if err != nil {
			return nil, err
		}
		var l struct {
			Metadata struct {
				Next string `json:"next"`
			} `json:"metadata"`
			Data []ComputePool `json:"data"`
		}
		if err := decode(ans, &l, "list compute pools", ""); err != nil {
			return nil, err
		}
		all = append(all, l.Data...)
		next, err := pageToken(l.Metadata.Next)
		if err != nil {
			return nil, fmt.Errorf("list compute pools: %w", err)
		}
		if next == "" || seen[next] {
			return all, nil
		}
		seen[next] = true
		token = next
	}
	return nil, fmt.Errorf("list compute pools: more than %d pages; giving up", maxPages)
}

// GetComputePool reads one pool; a missing one matches deployers.ErrNotFound.
func (c *Client) GetComputePool(ctx context.Context, id string) (*ComputePool, error) {
	ans, err := c.do(ctx, call{method: "GET", url: c.poolsURL() + "/" + url.PathEscape(id) + "?environment=" + url.QueryEscape(c.env),
		op: "read compute pool", name: id, cloud: true})
	if err != nil {
		return nil, err
	}
	var p ComputePool
	return &p, decode(ans, &p, "read compute pool", id)
}

// AllowedMaxCFU are the max_cfu values the API accepts.
var AllowedMaxCFU = []int{5, 10, 20, 30, 40, 50}

// CreateComputePool asks for a new pool (202, PROVISIONING). It does not
// wait: call WaitComputePool. Never call it from plan-only paths.
func (c *Client) CreateComputePool(ctx context.Context, displayName string, maxCFU int) (*ComputePool, error) {
	ok := false
	for _, v := range AllowedMaxCFU {
		ok = ok || v == maxCFU
	}
	if !ok {
		return nil, fmt.Errorf("create compute pool %s: max_cfu %d is not one of 5, 10, 20, 30, 40, 50; fix flink.max_cfu", displayName, maxCFU)
	}
	if c.cloud == "" || c.region == "" {
		return nil, fmt.Errorf("create compute pool %s: confluent_cloud.cloud_provider and cloud_region are required", displayName)
	}
	body := map[string]any{"spec": map[string]any{
		"display_name": displayName,
		"cloud":        strings.ToUpper(c.cloud),
		"region":       c.region,
		"max_cfu":      maxCFU,
		"environment":  map[string]string{"id": c.env},
	}}
	ans, err := c.do(ctx, call{method: "POST", url: c.poolsURL(), body: body, op: "create compute pool", name: displayName, cloud: true})
	if err != nil {
		return nil, err
	}
	var p ComputePool
	return &p, decode(ans, &p, "create compute pool", displayName)
}

// WaitComputePool polls a pool until PROVISIONED, FAILED (error) or
// Options.PoolTimeout.
func (c *Client) WaitComputePool(ctx context.Context, id string) (*ComputePool, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.opts.PoolTimeout)
	defer cancel()
	interval := c.opts.PollInitial
	for {
		p, err := c.GetComputePool(ctx, id)
		if err != nil {
			if parent.Err() == nil && ctx.Err() != nil {
				return nil, fmt.Errorf("compute pool %s: not provisioned after %s: %w", id, c.opts.PoolTimeout, deployers.ErrTimeout)
			}
			return nil, err
		}
		switch p.Status.Phase {
		case PoolProvisioned:
			return p, nil
		case PoolFailed:
			return p, fmt.Errorf("compute pool %s (%s) failed to provision; delete it in the Confluent Cloud console and retry", id, p.Spec.DisplayName)
		}
		if err := c.opts.Sleep(ctx, interval); err != nil {
			if parent.Err() != nil {
				return nil, fmt.Errorf("compute pool %s: %w", id, parent.Err())
			}
			return nil, fmt.Errorf("compute pool %s: still %s after %s: %w", id, p.Status.Phase, c.opts.PoolTimeout, deployers.ErrTimeout)
		}
		interval = min(interval*2, c.opts.PollMax)
	}
}
