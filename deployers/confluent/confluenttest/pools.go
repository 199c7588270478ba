package confluenttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// poolNamePattern is the documented display_name rule.
var poolNamePattern = regexp.MustCompile(`^(?:[0-9A-Za-z\-])[\w\.-]{0,63}$`)

// poolsAPI serves /fcpm/v2/compute-pools[/{id}] and /fcpm/v2/regions.
func (s *Server) poolsAPI(w http.ResponseWriter, r *http.Request, body []byte) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) >= 3 && parts[2] == "regions" && r.Method == http.MethodGet {
		writeJSON(w, http.StatusOK, map[string]any{"api_version": "fcpm/v2", "kind": "RegionList", "metadata": map[string]any{},
			"data": []any{map[string]any{"id": "aws.us-east-1", "cloud": "AWS", "region_name": "us-east-1",
				"display_name": "N. Virginia (us-east-1)", "http_endpoint": s.url, "private_http_endpoint": s.url}}})
		return
	}
	if len(parts) < 3 || parts[2] != "compute-pools" {
		s.fail(w, r, http.StatusNotFound, "", "Not Found", "no such API path "+r.URL.Path)
		return
	}
	env := r.URL.Query().Get("environment")
	switch {
	case len(parts) == 3 && r.Method == http.MethodPost:
		s.createPool(w, r, body)
		return
	case env == "":
		s.fail(w, r, http.StatusBadRequest, "invalid_filter", "Bad Request", "the environment query parameter is required")
		return
	case env != s.opts.Env:
		s.fail(w, r, http.StatusForbidden, "user_unauthorized", "Forbidden", "no access to environment "+env)
		return
	}
	switch {
	case len(parts) == 3 && r.Method == http.MethodGet:
		region := r.URL.Query().Get("spec.region")
		s.mu.Lock()
		var ids []string
		for id, p := range s.pools {
			if region == "" || p.Region == region {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		data := []any{}
		for _, id := range ids {
			data = append(data, s.renderPool(s.pools[id]))
			s.advancePool(s.pools[id])
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"api_version": "fcpm/v2", "kind": "ComputePoolList", "metadata": map[string]any{}, "data": data})
	case len(parts) == 4 && r.Method == http.MethodGet:
		s.mu.Lock()
		p, ok := s.pools[parts[3]]
		if !ok {
			s.mu.Unlock()
			s.fail(w, r, http.StatusNotFound, "", "Not Found", "compute pool "+parts[3]+" not found")
			return
		}
		out := s.renderPool(p)
		s.advancePool(p)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	default:
		s.fail(w, r, http.StatusMethodNotAllowed, "", "Method Not Allowed", r.Method+" "+r.URL.Path)
	}
}

func (s *Server) createPool(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Spec struct {
			DisplayName string `json:"display_name"`
			Cloud       string `json:"cloud"`
			Region      string `json:"region"`
			MaxCFU      int    `json:"max_cfu"`
			Environment struct {
				ID string `json:"id"`
			} `json:"environment"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, r, http.StatusBadRequest, "invalid_body", "Bad Request", "request body is not valid JSON")
		return
	}
	sp := req.Spec
	switch {
	case sp.Environment.ID == "":
		s.fail(w, r, http.StatusBadRequest, "invalid_configuration", "Bad Request", "spec.environment.id is required")
		return
	case sp.Environment.ID != s.opts.Env:
		s.fail(w, r, http.StatusForbidden, "user_unauthorized", "Forbidden", "no access to environment "+sp.Environment.ID)
		return
	case !poolNamePattern.MatchString(sp.DisplayName):
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid_configuration", "Unprocessable Entity", "invalid display_name")
		return
	case sp.Cloud != "AWS" && sp.Cloud != "GCP" && sp.Cloud != "AZURE":
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid_configuration", "Unprocessable Entity", "cloud must be AWS, GCP or AZURE")
		return
	case sp.Region == "":
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid_configuration", "Unprocessable Entity", "region is required")
		return
	}
	switch sp.MaxCFU {
	case 5, 10, 20, 30, 40, 50:
	default:
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid_configuration", "Unprocessable Entity", "max_cfu must be 5, 10, 20, 30, 40 or 50")
		return
	}
	s.mu.Lock()
	s.seq++
	p := &Pool{ID: fmt.Sprintf("lfcp-new%03d", s.seq), Name: sp.DisplayName, Cloud: sp.Cloud, Region: sp.Region,
		MaxCFU: sp.MaxCFU, Phase: "PROVISIONING"}
	s.pools[p.ID] = p
	out := s.renderPool(p)
	s.mu.Unlock()
	w.Header().Set("Location", s.url+"/fcpm/v2/compute-pools/"+p.ID)
	writeJSON(w, http.StatusAccepted, out)
}

// advancePool moves a PROVISIONING pool to PROVISIONED after one read.
func (s *Server) advancePool(p *Pool) {
	p.reads++
	if p.Phase == "PROVISIONING" {
		p.Phase = "PROVISIONED"
	}
}

// renderPool is a pool's JSON. CurrentCFU -1 counts one CFU per RUNNING
// statement in the pool. Callers hold s.mu.
func (s *Server) renderPool(p *Pool) map[string]any {
	cfu := p.CurrentCFU
	if cfu < 0 {
		cfu = 0
		for _, st := range s.statements {
			if st.Pool == p.ID && (st.Phase == "RUNNING" || st.Phase == "DEGRADED") {
				cfu++
			}
		}
		cfu = min(cfu, p.MaxCFU)
	}
	return map[string]any{
		"api_version": "fcpm/v2", "kind": "ComputePool", "id": p.ID,
		"metadata": map[string]any{"self": s.url + "/fcpm/v2/compute-pools/" + p.ID,
			"resource_name": "crn://confluent.cloud/organization=" + s.opts.Org + "/environment=" + s.opts.Env + "/flink-region=" +
				strings.ToLower(p.Cloud) + "." + p.Region + "/compute-pool=" + p.ID},
		"spec": map[string]any{"display_name": p.Name, "cloud": p.Cloud, "region": p.Region, "max_cfu": p.MaxCFU,
			"environment": map[string]any{"id": s.opts.Env}},
		"status": map[string]any{"phase": p.Phase, "current_cfu": cfu},
	}
}
