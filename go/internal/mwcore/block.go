package mwcore

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/middleware"
)

// WriteBlock answers a blocked request: a redirect when configured or decided, else the
// configured body, else JSON or HTML depending on what the client accepts.
func WriteBlock(w http.ResponseWriter, r *http.Request, d *native.Decision, cfg *middleware.Config) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	url := cfg.RedirectURL
	if d != nil && d.Action == "redirect" && d.RedirectURL != "" {
		url = d.RedirectURL
	}
	if url != "" {
		http.Redirect(w, r, url, http.StatusSeeOther)
		return
	}
	if cfg.BlockBody != nil {
		h.Set("Content-Type", cfg.BlockContentType)
		w.WriteHeader(cfg.BlockStatus)
		_, _ = w.Write(cfg.BlockBody)
		return
	}
	reason := "blocked"
	if d != nil && d.Reason != "" {
		reason = d.Reason
	}
	if wantsJSON(r.Header.Get("Accept")) {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(cfg.BlockStatus)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "blocked", "message": "This request was blocked by Vigil.", "reason": reason}})
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(cfg.BlockStatus)
	_, _ = w.Write([]byte("<!doctype html><html><head><title>Access denied</title></head><body><h1>Access denied</h1><p>This request was blocked (" +
		html.EscapeString(reason) + ").</p></body></html>\n"))
}

func wantsJSON(accept string) bool {
	accept = strings.ToLower(accept)
	return strings.Contains(accept, "json") && !strings.Contains(accept, "text/html")
}
