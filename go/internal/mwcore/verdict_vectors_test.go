package mwcore

import (
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/middleware"
)

// The shared verdict vectors (tests/vectors/device_cookie.json, assess.json): the device
// cookie through the net/http adapter (Begin reads the request's Cookie header and writes the
// Set-Cookie header), and the verdicts through the Go binding of vigil_assess.

type deviceCase struct {
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings"`
	Token    *string           `json:"token"`
	Cookie   *string           `json:"cookie"`
	Want     struct {
		Device    *string `json:"device"`
		SetCookie *struct {
			Name   string `json:"name"`
			Suffix string `json:"suffix"`
		} `json:"set_cookie"`
	} `json:"want"`
}

// begin runs Begin on a GET with cookie (nil: no Cookie header) and returns the request's
// device and the Set-Cookie headers written.
func begin(t *testing.T, cfg *middleware.Config, cookie *string) (string, []string) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != nil {
		r.Header.Set("Cookie", *cookie)
	}
	w := httptest.NewRecorder()
	rec, ok := Begin(w, r, cfg)
	if !ok || rec == nil {
		t.Fatalf("Begin: %v %v", rec, ok)
	}
	return rec.Request.Device, w.Header().Values("Set-Cookie")
}

func TestDeviceCookieVectors(t *testing.T) {
	defer testutil.Stop()
	started := "unset"
	ran := 0
	for _, c := range load[deviceCase](t, "device_cookie.json", 35) {
		// The key comes from the running client's token unless device_secret is set.
		token := ""
		if c.Token != nil {
			token = *c.Token
		}
		if token != started {
			testutil.Start(map[string]string{"token": token})
			started = token
		}
		cfg := configOf(c.Settings)
		device, set := begin(t, cfg, c.Cookie)
		ran++
		switch {
		case c.Want.Device == nil:
			if device != "" || len(set) != 0 {
				t.Errorf("%s: got %q %v, want no device", c.Name, device, set)
			}
		case *c.Want.Device == "new":
			want := c.Want.SetCookie
			if len(set) != 1 || len(device) != 32 || !strings.HasPrefix(set[0], want.Name+"=") || !strings.HasSuffix(set[0], want.Suffix) {
				t.Errorf("%s: got %q %v", c.Name, device, set)
				continue
			}
			// The browser sends the fresh cookie back: the same device, nothing set again.
			back := strings.TrimSuffix(set[0], want.Suffix)
			if again, set := begin(t, cfg, &back); again != device || len(set) != 0 {
				t.Errorf("%s: %q reads back as %q %v", c.Name, back, again, set)
			}
		default:
			if device != *c.Want.Device || len(set) != 0 {
				t.Errorf("%s: got %q %v, want %q", c.Name, device, set, *c.Want.Device)
			}
		}
	}
	if ran < 35 {
		t.Fatalf("only %d cases ran", ran)
	}
}

type assessCase struct {
	Name   string  `json:"name"`
	User   *string `json:"user"`
	IP     *string `json:"ip"`
	Device *string `json:"device"`
	Want   struct {
		Verdict string   `json:"verdict"`
		IDs     []string `json:"ids"`
		Reasons []string `json:"reasons"`
	} `json:"want"`
}

func TestAssessVectors(t *testing.T) {
	raw, err := os.ReadFile("../../../tests/vectors/assess.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Feed    json.RawMessage `json:"feed"`
		Skipped int             `json:"skipped"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// A fresh client: no login recorded, so a null user has no stand-in.
	testutil.Start(nil)
	defer testutil.Stop()
	skipped, err := native.ApplyDecisions(string(doc.Feed))
	if err != nil || skipped != doc.Skipped {
		t.Fatalf("apply: %d skipped, want %d (%v)", skipped, doc.Skipped, err)
	}
	ran := 0
	for _, c := range load[assessCase](t, "assess.json", 30) {
		var key *[16]byte
		if c.User != nil {
			var k [16]byte
			if n, err := hex.Decode(k[:], []byte(strings.TrimPrefix(*c.User, "u_"))); err != nil || n != 16 {
				t.Fatalf("%s: user %q", c.Name, *c.User)
			}
			key = &k
		}
		req := &native.Request{}
		if c.IP != nil {
			req.IP = *c.IP
		}
		if c.Device != nil {
			req.Device = *c.Device
		}
		got, err := native.AssessKey(key, req)
		ran++
		if err != nil || got.Verdict != c.Want.Verdict || got.N != len(c.Want.IDs) {
			t.Errorf("%s: got %s %d decisions (%v), want %s %v", c.Name, got.Verdict, got.N, err, c.Want.Verdict, c.Want.IDs)
			continue
		}
		for i, d := range got.Decisions[:got.N] {
			if d.ID != c.Want.IDs[i] || d.Reason != c.Want.Reasons[i] {
				t.Errorf("%s: decision %d is %s (%s), want %s (%s)", c.Name, i, d.ID, d.Reason, c.Want.IDs[i], c.Want.Reasons[i])
			}
		}
	}
	if ran < 30 {
		t.Fatalf("only %d cases ran", ran)
	}
}
