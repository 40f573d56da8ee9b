package sdk_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/sdk"
)

type vectorCase struct {
	Name  string      `json:"name"`
	Input [][2]string `json:"input"`
	PII   *struct {
		Secret          string `json:"secret"`
		KeepEmailDomain bool   `json:"keep_email_domain"`
	} `json:"pii"`
	Expect *sdk.Identity `json:"expect"`
	Error  string        `json:"error"`
}

// TestIdentityVectors runs tests/vectors/identity.json, the file every language runs.
// Go maps cannot hold a key twice, so cases repeating a raw key are skipped; pseudonymized
// cases run on clients started with their secret.
func TestIdentityVectors(t *testing.T) {
	raw, err := os.ReadFile("../../tests/vectors/identity.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []vectorCase }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, c := range doc.Cases {
		ids := sdk.EventUserIdentifiersMap{}
		for _, p := range c.Input {
			ids[p[0]] = p[1]
		}
		if len(ids) != len(c.Input) {
			continue
		}
		if c.PII != nil {
			testutil.Start(map[string]string{"pii": "hash", "pii_secret": c.PII.Secret, "keep_email_domain": boolString(c.PII.KeepEmailDomain)})
		}
		got, err := sdk.Normalize(ids)
		if c.PII != nil {
			testutil.Start(nil)
		}
		ran++
		if c.Error != "" {
			var verr *sdk.ValidationError
			if !errors.As(err, &verr) || verr.Code != c.Error {
				t.Errorf("%s: want error %s, got %v", c.Name, c.Error, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if got.Key != c.Expect.Key || got.Primary != c.Expect.Primary || !equal(got.IDs, c.Expect.IDs) {
			t.Errorf("%s: want %+v, got %+v", c.Name, *c.Expect, got)
		}
	}
	if ran < 100 {
		t.Fatalf("only %d vectors ran", ran)
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
