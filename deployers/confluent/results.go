package confluent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// ResultRow is one row of a statement's results: op is the changelog
// operation (0 +I, 1 -U, 2 +U, 3 -D) and row the values as the service
// formats them.
type ResultRow struct {
	Op  int   `json:"op"`
	Row []any `json:"row"`
}

// ResultPage is one page of GET …/statements/{name}/results (Confluent
// Cloud's "Read Statement Result", sql/v1). Next is the page token of the
// next page, "" when the service gave none.
type ResultPage struct {
	Rows []ResultRow
	Next string
}

// Results reads one page of a statement's results; token "" is the first
// page. Only the page_token of metadata.next is kept, so a next URL on
// another host is never contacted. Cost: one request.
func (c *Client) Results(ctx context.Context, name, token string) (ResultPage, error) {
	u := c.statementURL(name) + "/results"
	if token != "" {
		u += "?page_token=" + url.QueryEscape(token)
	}
	ans, err := c.do(ctx, call{method: "GET", url: u, op: "read results of statement", name: name})
	if err != nil {
		return ResultPage{}, err
	}
	var body struct {
		Metadata struct {
			Next string `json:"next"`
		} `json:"metadata"`
		Results struct {
			Data []ResultRow `json:"data"`
		} `json:"results"`
	}
	d := json.NewDecoder(bytes.NewReader(ans.body))
	d.UseNumber()
	if err := d.Decode(&body); err != nil {
		return ResultPage{}, fmt.Errorf("read results of statement %s: decode answer: %w", name, err)
	}
	next, err := pageToken(body.Metadata.Next)
	if err != nil {
		return ResultPage{}, fmt.Errorf("read results of statement %s: %w", name, err)
	}
	return ResultPage{Rows: body.Results.Data, Next: next}, nil
}

// SchemaColumn is a column of a statement's result schema
// (status.traits.schema).
type SchemaColumn struct {
	Name string `json:"name"`
	Type struct {
		Type   string `json:"type"`
		Length int    `json:"length"`
	} `json:"type"`
}

// ResultSchema reads a statement's result columns from status.traits
// (empty until the service has planned the statement).
func (c *Client) ResultSchema(ctx context.Context, name string) ([]SchemaColumn, error) {
	_, raw, err := c.getStatementRaw(ctx, name)
	if err != nil {
		return nil, err
	}
	var body struct {
		Status struct {
			Traits struct {
				Schema struct {
					Columns []SchemaColumn `json:"columns"`
				} `json:"schema"`
			} `json:"traits"`
		} `json:"status"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("read statement %s: decode answer: %w", name, err)
	}
	return body.Status.Traits.Schema.Columns, nil
}
