package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/repair"
)

// RepairSetting is the repair option: false (the default), true for
// every repair kind, or a list of kinds.
type RepairSetting struct {
	On    bool
	Kinds []repair.Kind // empty with On: every kind
	opts  repair.Options
	ready bool
}

// UnmarshalJSON accepts false, true or a list of kind names.
func (s *RepairSetting) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "true", string(b) == "false":
		*s = RepairSetting{On: string(b) == "true"}
		return nil
	case string(b) == "null":
		*s = RepairSetting{}
		return nil
	case len(b) > 0 && b[0] == '[':
		var names []string
		if err := json.Unmarshal(b, &names); err != nil {
			return fmt.Errorf("%s.repair: must be true, false or a list of repair kinds (%s)", Key, repairKindNames())
		}
		if len(names) == 0 {
			return fmt.Errorf("%s.repair: an empty list repairs nothing; use false", Key)
		}
		var errs []string
		seen := map[string]bool{}
		kinds := make([]repair.Kind, 0, len(names))
		for i, n := range names {
			switch {
			case !repair.Known(repair.Kind(n)):
				errs = append(errs, fmt.Sprintf("%s.repair[%d]: unknown repair kind %q (want one of %s)", Key, i, n, repairKindNames()))
			case seen[n]:
				errs = append(errs, fmt.Sprintf("%s.repair[%d]: %q is listed twice", Key, i, n))
			}
			seen[n] = true
			kinds = append(kinds, repair.Kind(n))
		}
		if len(errs) > 0 {
			return fmt.Errorf("%s", strings.Join(errs, "; "))
		}
		*s = RepairSetting{On: true, Kinds: kinds}
		return nil
	}
	return fmt.Errorf("%s.repair: must be true, false or a list of repair kinds (%s)", Key, repairKindNames())
}

// MarshalJSON writes the setting back in the form it was given.
func (s RepairSetting) MarshalJSON() ([]byte, error) {
	if !s.On || len(s.Kinds) == 0 {
		return json.Marshal(s.On)
	}
	return json.Marshal(s.Kinds)
}

// Options are the repair engine's options for this setting. A setting
// from ParseJSON holds them ready, so the hot path builds none.
func (s *RepairSetting) Options() *repair.Options {
	if s.ready {
		return &s.opts
	}
	return &repair.Options{Kinds: s.Kinds}
}

// prepare fixes the options once the whole config is known.
func (s *RepairSetting) prepare(bodyCap int) {
	s.opts = repair.Options{Kinds: s.Kinds, MaxBodyBytes: bodyCap}
	s.ready = true
}

func repairKindNames() string {
	names := make([]string, len(repair.Registry))
	for i, r := range repair.Registry {
		names[i] = string(r.Kind)
	}
	return strings.Join(names, ", ")
}
