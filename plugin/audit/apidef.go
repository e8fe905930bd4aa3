package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
	"github.com/oauthcheck/oauthcheck/plugin/config"
	"github.com/oauthcheck/oauthcheck/plugin/upstreamauth"
)

// Hook symbol names the plugin exports (plugin/main.go).
const (
	hookPre      = "OAuthCheckPre"
	hookAuth     = "OAuthCheckAuth"
	hookResponse = "OAuthCheckResponse"
)

// labelHeaders must be in tag_headers for labels to reach analytics
// (plugin/labels.go; Tyk lowercases tag headers).
var labelHeaders = []string{"x-oauth-cause", "x-oauth-verdict", "x-oauth-client"}

// versionedPlugin matches name_vX.Y.Z_os_arch.so or name_X.Y.Z_os_arch.so
// (Tyk goplugin/plugin_name_builder.go).
var versionedPlugin = regexp.MustCompile(`_v?\d+\.\d+\.\d+_[a-z0-9]+_[a-z0-9]+\.so$`)

// hook is one custom-middleware entry.
type hook struct {
	stage, name, path string
}

// apiView is what the rules read, the same for classic and OAS definitions.
type apiView struct {
	id, listenPath, target string
	driver                 string
	hooks                  []hook
	keyless, rateLimited   bool
	detailedRecording      bool
	redactingAnalytics     bool // OAuthCheckAnalytics redacts the raw records
	tlsSkipVerify          bool
	tagHeaders             []string
	configData             map[string]interface{}
}

// classicDef holds the classic fields the rules read
// (Tyk apidef/api_definitions.go, same names at v5.8.0 and v5.14.0).
type classicDef struct {
	APIID            string `json:"api_id"`
	UseKeyless       bool   `json:"use_keyless"`
	DisableRateLimit bool   `json:"disable_rate_limit"`
	GlobalRateLimit  struct {
		Disabled bool    `json:"disabled"`
		Rate     float64 `json:"rate"`
		Per      float64 `json:"per"`
	} `json:"global_rate_limit"`
	EnableDetailedRecording bool     `json:"enable_detailed_recording"`
	TagHeaders              []string `json:"tag_headers"`
	Proxy                   struct {
		ListenPath string `json:"listen_path"`
		TargetURL  string `json:"target_url"`
		Transport  struct {
			SSLInsecureSkipVerify bool `json:"ssl_insecure_skip_verify"`
		} `json:"transport"`
	} `json:"proxy"`
	CustomMiddleware struct {
		Driver      string          `json:"driver"`
		Pre         []classicPlugin `json:"pre"`
		Post        []classicPlugin `json:"post"`
		PostKeyAuth []classicPlugin `json:"post_key_auth"`
		Response    []classicPlugin `json:"response"`
	} `json:"custom_middleware"`
	ConfigData         map[string]interface{} `json:"config_data"`
	ConfigDataDisabled bool                   `json:"config_data_disabled"`
	AnalyticsPlugin    struct {
		Enable   bool   `json:"enable"`
		FuncName string `json:"func_name"`
	} `json:"analytics_plugin"`
}

type classicPlugin struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	Disabled bool   `json:"disabled"`
}

// oasDef holds the x-tyk-api-gateway fields the rules read
// (Tyk apidef/oas/*.go, same names at v5.8.0 and v5.14.0).
type oasDef struct {
	XTyk struct {
		Info struct {
			ID string `json:"id"`
		} `json:"info"`
		Upstream struct {
			URL       string `json:"url"`
			RateLimit *struct {
				Enabled bool    `json:"enabled"`
				Rate    float64 `json:"rate"`
				Per     string  `json:"per"`
			} `json:"rateLimit"`
			TLSTransport *struct {
				InsecureSkipVerify bool `json:"insecureSkipVerify"`
			} `json:"tlsTransport"`
		} `json:"upstream"`
		Server struct {
			ListenPath struct {
				Value string `json:"value"`
			} `json:"listenPath"`
			Authentication *struct {
				Enabled bool `json:"enabled"`
			} `json:"authentication"`
			DetailedActivityLogs *struct {
				Enabled bool `json:"enabled"`
			} `json:"detailedActivityLogs"`
		} `json:"server"`
		Middleware struct {
			Global struct {
				PluginConfig struct {
					Driver string `json:"driver"`
					Data   *struct {
						Enabled bool                   `json:"enabled"`
						Value   map[string]interface{} `json:"value"`
					} `json:"data"`
				} `json:"pluginConfig"`
				PrePlugins                []oasPlugin `json:"prePlugins"`
				PostAuthenticationPlugins []oasPlugin `json:"postAuthenticationPlugins"`
				PostPlugins               []oasPlugin `json:"postPlugins"`
				ResponsePlugins           []oasPlugin `json:"responsePlugins"`
				TrafficLogs               *struct {
					Enabled    bool        `json:"enabled"`
					TagHeaders []string    `json:"tagHeaders"`
					Plugins    []oasPlugin `json:"plugins"`
				} `json:"trafficLogs"`
			} `json:"global"`
		} `json:"middleware"`
	} `json:"x-tyk-api-gateway"`
}

type oasPlugin struct {
	Enabled      bool   `json:"enabled"`
	FunctionName string `json:"functionName"`
	Path         string `json:"path"`
}

// CheckAPIDefinitions runs the API-definition and plugin-config rules on a
// file's content: one definition, classic or OAS, or a JSON array of them
// (as /tyk/apis returns). md, when not nil, is the audited metadata.
func CheckAPIDefinitions(subject string, b []byte, md *Metadata) ([]Finding, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("%s: not a JSON array of API definitions: %v", subject, err)
		}
		var all []Finding
		for i, raw := range list {
			fs, err := CheckAPIDefinitions(fmt.Sprintf("%s[%d]", subject, i), raw, md)
			if err != nil {
				return nil, err
			}
			all = append(all, fs...)
		}
		return all, nil
	}
	v, err := viewOf(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", subject, err)
	}
	return checkAPI(subject, v, md), nil
}

func viewOf(b []byte) (*apiView, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("not a JSON API definition: %v", err)
	}
	if _, ok := probe["x-tyk-api-gateway"]; ok {
		var d oasDef
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("not an OAS API definition: %v", err)
		}
		x := d.XTyk
		g := x.Middleware.Global
		v := &apiView{
			id: x.Info.ID, listenPath: x.Server.ListenPath.Value, target: x.Upstream.URL,
			driver:  g.PluginConfig.Driver,
			keyless: x.Server.Authentication == nil || !x.Server.Authentication.Enabled,
		}
		v.rateLimited = x.Upstream.RateLimit != nil && x.Upstream.RateLimit.Enabled && x.Upstream.RateLimit.Rate > 0
		v.detailedRecording = x.Server.DetailedActivityLogs != nil && x.Server.DetailedActivityLogs.Enabled
		v.tlsSkipVerify = x.Upstream.TLSTransport != nil && x.Upstream.TLSTransport.InsecureSkipVerify
		if g.TrafficLogs != nil && g.TrafficLogs.Enabled {
			v.tagHeaders = g.TrafficLogs.TagHeaders
		}
		if g.TrafficLogs != nil {
			for _, p := range g.TrafficLogs.Plugins {
				v.redactingAnalytics = v.redactingAnalytics || p.Enabled && p.FunctionName == AnalyticsFunction
			}
		}
		if g.PluginConfig.Data != nil && g.PluginConfig.Data.Enabled {
			v.configData = g.PluginConfig.Data.Value
		}
		for _, s := range []struct {
			stage string
			list  []oasPlugin
		}{{"pre", g.PrePlugins}, {"post_key_auth", g.PostAuthenticationPlugins}, {"post", g.PostPlugins}, {"response", g.ResponsePlugins}} {
			for _, p := range s.list {
				if p.Enabled {
					v.hooks = append(v.hooks, hook{s.stage, p.FunctionName, p.Path})
				}
			}
		}
		return v, nil
	}
	var d classicDef
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("not a classic API definition: %v", err)
	}
	v := &apiView{
		id: d.APIID, listenPath: d.Proxy.ListenPath, target: d.Proxy.TargetURL,
		driver: d.CustomMiddleware.Driver, keyless: d.UseKeyless,
		rateLimited:       !d.DisableRateLimit && !d.GlobalRateLimit.Disabled && d.GlobalRateLimit.Rate > 0 && d.GlobalRateLimit.Per > 0,
		detailedRecording: d.EnableDetailedRecording,
		tlsSkipVerify:     d.Proxy.Transport.SSLInsecureSkipVerify,
		tagHeaders:        d.TagHeaders,
	}
	if !d.ConfigDataDisabled {
		v.configData = d.ConfigData
	}
	v.redactingAnalytics = d.AnalyticsPlugin.Enable && d.AnalyticsPlugin.FuncName == AnalyticsFunction
	cm := d.CustomMiddleware
	for _, s := range []struct {
		stage string
		list  []classicPlugin
	}{{"pre", cm.Pre}, {"post_key_auth", cm.PostKeyAuth}, {"post", cm.Post}, {"response", cm.Response}} {
		for _, p := range s.list {
			if !p.Disabled {
				v.hooks = append(v.hooks, hook{s.stage, p.Name, p.Path})
			}
		}
	}
	return v, nil
}

func checkAPI(subject string, v *apiView, md *Metadata) []Finding {
	// A target URL may carry credentials; details never show them.
	if u, err := url.Parse(v.target); err == nil && u.User != nil {
		v.target = u.Redacted()
	}
	var fs []Finding
	add := func(id, detail string) { fs = append(fs, finding(id, subject, detail)) }

	var ours []hook
	for _, h := range v.hooks {
		if strings.HasPrefix(h.name, "OAuthCheck") {
			ours = append(ours, h)
		}
	}
	has := func(stage, name string) bool {
		for _, h := range ours {
			if h.stage == stage && h.name == name {
				return true
			}
		}
		return false
	}
	cfg, cfgErr := config.Parse(v.configData)
	_, hasConfig := v.configData[config.Key]

	if len(ours) == 0 {
		if hasConfig {
			add(ConfigWithoutHooks, "config_data has an oauthcheck key but no OAuthCheck hook is listed")
		}
	} else {
		if has("response", hookResponse) && !has("pre", hookPre) {
			add(APIResponseWithoutPre, "response hook OAuthCheckResponse is listed, pre hook OAuthCheckPre is not")
		}
		if v.driver != "goplugin" {
			add(APIPluginDriverNotGoplugin, fmt.Sprintf("driver is %q", v.driver))
		}
		if missing := missingHeaders(v.tagHeaders); len(missing) > 0 {
			add(APITagHeadersMissing, "missing: "+strings.Join(missing, ", "))
		}
		paths := map[string]bool{}
		for _, h := range ours {
			paths[h.path] = true
		}
		if len(paths) > 1 {
			add(APIPluginPathsDiffer, fmt.Sprintf("%d different paths", len(paths)))
		}
		for p := range paths {
			if !versionedPlugin.MatchString(p) {
				add(APIPluginPathUnversioned, fmt.Sprintf("path %q", p))
			}
		}
	}

	fronted := frontsOAuth(v, cfg)
	if fronted.token && v.detailedRecording && !v.redactingAnalytics {
		add(APIDetailedRecordingToken, "enable_detailed_recording is on, the API proxies a token endpoint, and no OAuthCheckAnalytics redacts the raw records")
	}
	if fronted.token && v.keyless && !v.rateLimited {
		add(APIKeylessTokenNoRateLimit, "keyless API, no API-wide rate limit")
	}
	if v.tlsSkipVerify {
		add(APIUpstreamTLSUnverified, fmt.Sprintf("upstream %q is proxied without certificate checks", v.target))
	}
	if (fronted.token || fronted.any) && strings.HasPrefix(strings.ToLower(v.target), "http://") {
		add(APIUpstreamPlainHTTP, fmt.Sprintf("upstream is %q", v.target))
	}

	if cfgErr != nil {
		add(ConfigInvalid, cfgErr.Error())
		return fs
	}
	if cfg.DebugHeader {
		add(ConfigDebugHeaderOn, "debug_header is true")
	}
	if ua := cfg.UpstreamAuth; ua != nil && ua.ClientSecret != "" && !upstreamauth.IsTykReference(ua.ClientSecret) {
		add(ConfigUpstreamSecretPlain, "upstream_auth.client_secret is not a Tyk secret reference")
	}
	if ua := cfg.UpstreamAuth; ua != nil {
		for _, u := range []string{ua.TokenURL, ua.IntrospectionURL} {
			if strings.HasPrefix(strings.ToLower(u), "http://") {
				add(ConfigUpstreamPlainHTTP, fmt.Sprintf("authorization server URL %q", u))
				break
			}
		}
	}
	for _, d := range optionConflicts(cfg) {
		add(ConfigOptionsConflict, d)
	}
	if lp := v.listenPath; lp != "" && lp != "/" {
		prefix := strings.TrimSuffix(lp, "/")
		for p := range cfg.Endpoints {
			if p != prefix && !strings.HasPrefix(p, prefix+"/") {
				add(ConfigEndpointOutsideListen, fmt.Sprintf("endpoints path %q is outside listen path %q", p, lp))
			}
		}
	}
	if md != nil && cfg.Issuer != "" && md.Issuer != "" && strings.TrimSuffix(cfg.Issuer, "/") != strings.TrimSuffix(md.Issuer, "/") {
		add(ConfigIssuerDiffersMetadata, fmt.Sprintf("oauthcheck.issuer %q, metadata issuer %q", cfg.Issuer, md.Issuer))
	}
	return fs
}

type oauthFront struct{ token, any bool }

// frontsOAuth tells whether the API proxies a token endpoint (or any OAuth
// endpoint): from the config's endpoints, else from the upstream's path.
func frontsOAuth(v *apiView, cfg config.Config) oauthFront {
	var f oauthFront
	for _, kind := range cfg.Endpoints {
		if kind == "token" {
			f.token = true
		}
		if kind != "none" && kind != "resource" {
			f.any = true
		}
	}
	if u, err := url.Parse(v.target); err == nil {
		p := strings.ToLower(path.Clean("/" + u.Path))
		if strings.Contains(p, "/token") || strings.Contains(p, "openid-connect") || strings.HasSuffix(p, "/oauth2") || strings.Contains(p, "/oauth2/") {
			f.token, f.any = true, true
		}
	}
	return f
}

func missingHeaders(tags []string) []string {
	have := map[string]bool{}
	for _, t := range tags {
		have[strings.ToLower(strings.TrimSpace(t))] = true
	}
	var missing []string
	for _, h := range labelHeaders {
		if !have[h] {
			missing = append(missing, h)
		}
	}
	return missing
}

// optionConflicts finds options that cancel each other: suppressing the
// risk causes that observe_risks turns on, or suppressing them while it is
// off.
func optionConflicts(cfg config.Config) []string {
	var out []string
	risks := 0
	for _, c := range cfg.SuppressWarnings {
		if strings.HasPrefix(c, "risk_") {
			risks++
			if !cfg.ObserveRisks {
				out = append(out, fmt.Sprintf("suppress_warnings lists %s but observe_risks is off, so it is never reported anyway", c))
			}
		}
	}
	if cfg.ObserveRisks && risks > 0 && risks >= riskCauses() {
		out = append(out, "observe_risks is on but suppress_warnings lists every risk cause, so it reports nothing")
	}
	sort.Strings(out)
	return out
}

func riskCauses() int {
	n := 0
	for _, c := range classify.Registry {
		if c.Family == classify.FamilyRisk {
			n++
		}
	}
	return n
}
