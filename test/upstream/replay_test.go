package upstream

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func loadReplay(t *testing.T) *Replay {
	t.Helper()
	dir, err := FindFixtures()
	if err != nil {
		t.Fatal(err)
	}
	rp, err := LoadReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// TestReplayListsAndRefuses: GET /replay/ lists every fixture; an unknown
// name is a 404, never some other fixture.
func TestReplayListsAndRefuses(t *testing.T) {
	rp := loadReplay(t)
	srv := httptest.NewServer(rp)
	defer srv.Close()

	res, err := http.Get(srv.URL + ReplayPrefix)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = json.NewDecoder(res.Body).Decode(&names)
	res.Body.Close()
	if err != nil || len(names) != len(rp.Cases) {
		t.Errorf("GET %s: %d names (%v), want %d", ReplayPrefix, len(names), err, len(rp.Cases))
	}

	res, err = http.Post(srv.URL+ReplayPrefix+"rfc/no_such_fixture", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown fixture: status %d, want 404", res.StatusCode)
	}
}

// TestReplayAddsNoHeaders: a fixture without Content-Type or Date gets
// neither (net/http would sniff a type and stamp a date).
func TestReplayAddsNoHeaders(t *testing.T) {
	rp := loadReplay(t)
	srv := httptest.NewServer(rp)
	defer srv.Close()
	for _, name := range []string{"rfc/revoke_success", "rfc/resource_invalid_token", "broken/authorize_state_missing"} {
		fx, ok := rp.Lookup(name)
		if !ok {
			t.Fatalf("no fixture %s", name)
		}
		if fx.Response.Header.Get("Content-Type") != "" || fx.Response.Header.Get("Date") != "" {
			t.Fatalf("%s now has Content-Type or Date: pick another fixture", name)
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Get(srv.URL + ReplayPrefix + name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != fx.Response.Status {
			t.Errorf("%s: status %d, want %d", name, res.StatusCode, fx.Response.Status)
		}
		for _, h := range []string{"Content-Type", "Date"} {
			if v, ok := res.Header[h]; ok {
				t.Errorf("%s: %s %q added", name, h, v)
			}
		}
	}
}
