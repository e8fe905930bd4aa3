package traffic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/test/upstream"
)

// The repair-enabled demo API (apps/oauthcheck-upstream-repair.json): the
// misbehaving upstream again, with "repair": true.
const (
	RepairPrefix = "/upstream-repair"
	RepairAPIID  = "oauthcheck-upstream-repair"
	// repairSecret is the client secret the repair cases send (HTTP Basic).
	repairSecret = "mb-repair-secret-Tt55"
)

// RepairCases run golang.org/x/oauth2's client-credentials flow against
// every route repair mode rewrites. The client must get a token or a
// typed error with a registered code; the record keeps the upstream's
// root cause and carries the repairs.
func (r *Runner) RepairCases() []*Case {
	paths := make([]string, 0, len(upstream.RepairedRoutes))
	for p := range upstream.RepairedRoutes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	cases := make([]*Case, 0, len(paths))
	for _, path := range paths {
		rt, ok := upstream.Lookup(path)
		if !ok || len(rt.WantCauses) == 0 {
			continue
		}
		c := &Case{
			Name: "repair" + path, Target: TargetUpstream, APIID: RepairAPIID,
			WantCauses: rt.WantCauses, RootOnly: true, WantVerdict: rt.WantVerdict,
			WantRepaired: strings.Split(upstream.RepairedRoutes[path], ","),
		}
		if cause, ok := classify.Lookup(classify.Code(rt.WantCauses[0])); ok {
			c.Family = cause.Family
		}
		tokenURL := path
		c.send = func(ctx context.Context, hc *http.Client, r *Runner) error {
			r.addSecret(repairSecret)
			cfg := clientcredentials.Config{ClientID: "misbehaving-client", ClientSecret: repairSecret,
				TokenURL: r.gw(RepairPrefix + tokenURL), AuthStyle: oauth2.AuthStyleInHeader}
			return repairedOutcome(cfg.Token(withClient(ctx, hc)))
		}
		cases = append(cases, c)
	}
	return cases
}

// repairedOutcome accepts what a repaired answer gives x/oauth2: a token,
// or a RetrieveError carrying a registered error code.
func repairedOutcome(tok *oauth2.Token, err error) error {
	var re *oauth2.RetrieveError
	switch {
	case err == nil && tok != nil && tok.AccessToken != "" && tok.Type() != "":
		return nil
	case errors.As(err, &re) && classify.Registered(classify.Code(re.ErrorCode)):
		return &expectedError{err}
	case err != nil:
		return fmt.Errorf("repaired answer: x/oauth2 failed: %w", err)
	}
	return errors.New("repaired answer: x/oauth2 got no access token")
}
