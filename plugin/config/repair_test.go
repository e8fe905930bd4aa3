package config

import (
	"strings"
	"testing"

	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

func TestRepairSetting(t *testing.T) {
	for _, tc := range []struct {
		json  string
		on    bool
		kinds string
	}{
		{`{}`, false, ""},
		{`{"repair": false}`, false, ""},
		{`{"repair": null}`, false, ""},
		{`{"repair": true}`, true, ""},
		{`{"repair": ["no_store", "error_status"]}`, true, "no_store,error_status"},
	} {
		c, err := ParseJSON([]byte(tc.json))
		if err != nil {
			t.Errorf("%s: %v", tc.json, err)
			continue
		}
		var names []string
		for _, k := range c.Repair.Kinds {
			names = append(names, string(k))
		}
		if c.Repair.On != tc.on || strings.Join(names, ",") != tc.kinds {
			t.Errorf("%s: got on=%v kinds=%v, want on=%v kinds=%q", tc.json, c.Repair.On, names, tc.on, tc.kinds)
		}
		opts := c.Repair.Options()
		if len(opts.Kinds) != len(c.Repair.Kinds) {
			t.Errorf("%s: options carry %v", tc.json, opts.Kinds)
		}
	}
}

func TestRepairSettingErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"repair": "yes"}`, `oauthcheck.repair: must be true, false or a list of repair kinds (error_status, error_shape,`},
		{`{"repair": 1}`, `oauthcheck.repair: must be true, false or a list of repair kinds`},
		{`{"repair": []}`, `oauthcheck.repair: an empty list repairs nothing; use false`},
		{`{"repair": ["no_store", "make_it_work"]}`, `oauthcheck.repair[1]: unknown repair kind "make_it_work" (want one of error_status,`},
		{`{"repair": ["no_store", "no_store"]}`, `oauthcheck.repair[1]: "no_store" is listed twice`},
		{`{"repair": [true]}`, `oauthcheck.repair: must be true, false or a list of repair kinds`},
		{`{"repairs": true}`, `oauthcheck: unknown option "repairs"`},
	} {
		_, err := ParseJSON([]byte(tc.json))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one starting %q", tc.json, err, tc.want)
			continue
		}
		if err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] {
			t.Errorf("%s: error %q does not start in lowercase", tc.json, err)
		}
	}
	// Every kind the engine knows is accepted.
	for _, r := range repair.Registry {
		if _, err := ParseJSON([]byte(`{"repair": ["` + string(r.Kind) + `"]}`)); err != nil {
			t.Errorf("%s: %v", r.Kind, err)
		}
	}
}
