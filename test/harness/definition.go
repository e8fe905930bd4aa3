package harness

import "encoding/json"

// definitionSource is the API's definition as Tyk marshals it (classic
// apidef.APIDefinition or OAS x-tyk-api-gateway), built from what the
// harness honours, so the plugin's load-time audit reads the same JSON it
// would read in a gateway.
func definitionSource(api API, target, pluginPath string) []byte {
	hook := func(name string) map[string]interface{} {
		return map[string]interface{}{"name": name, "path": pluginPath}
	}
	if api.OAS {
		oasHook := func(name string) map[string]interface{} {
			return map[string]interface{}{"enabled": true, "functionName": name, "path": pluginPath}
		}
		global := map[string]interface{}{
			"pluginConfig": map[string]interface{}{
				"driver": "goplugin",
				"data":   map[string]interface{}{"enabled": !api.ConfigDataDisabled, "value": api.ConfigData},
			},
			"prePlugins":      []interface{}{oasHook("OAuthCheckPre")},
			"responsePlugins": []interface{}{oasHook("OAuthCheckResponse")},
			"trafficLogs": map[string]interface{}{
				"enabled": true, "tagHeaders": api.TagHeaders, "plugins": analyticsPlugins(api, oasHook),
			},
		}
		if !api.Keyless {
			global["postAuthenticationPlugins"] = []interface{}{oasHook("OAuthCheckAuth")}
		}
		if api.PostHook {
			global["postPlugins"] = []interface{}{oasHook("OAuthCheckPost")}
		}
		b, _ := json.Marshal(map[string]interface{}{
			"openapi": "3.0.3",
			"info":    map[string]interface{}{"title": api.ID, "version": "1.0.0"},
			"paths":   map[string]interface{}{},
			"x-tyk-api-gateway": map[string]interface{}{
				"info":     map[string]interface{}{"id": api.ID, "name": api.ID, "state": map[string]interface{}{"active": true}},
				"upstream": map[string]interface{}{"url": target},
				"server": map[string]interface{}{
					"listenPath":           map[string]interface{}{"value": "/"},
					"authentication":       map[string]interface{}{"enabled": !api.Keyless},
					"detailedActivityLogs": map[string]interface{}{"enabled": api.DetailedRecording},
				},
				"middleware": map[string]interface{}{"global": global},
			},
		})
		return b
	}
	mw := map[string]interface{}{
		"driver":   "goplugin",
		"pre":      []interface{}{hook("OAuthCheckPre")},
		"response": []interface{}{hook("OAuthCheckResponse")},
	}
	if !api.Keyless {
		mw["post_key_auth"] = []interface{}{hook("OAuthCheckAuth")}
	}
	if api.PostHook {
		mw["post"] = []interface{}{hook("OAuthCheckPost")}
	}
	def := map[string]interface{}{
		"api_id":                    api.ID,
		"use_keyless":               api.Keyless,
		"enable_detailed_recording": api.DetailedRecording,
		"tag_headers":               api.TagHeaders,
		"proxy":                     map[string]interface{}{"listen_path": "/", "target_url": target},
		"custom_middleware":         mw,
		"config_data":               api.ConfigData,
		"config_data_disabled":      api.ConfigDataDisabled,
	}
	if api.AnalyticsPlugin {
		def["analytics_plugin"] = map[string]interface{}{"enable": true, "func_name": "OAuthCheckAnalytics", "plugin_path": pluginPath}
	}
	b, _ := json.Marshal(def)
	return b
}

func analyticsPlugins(api API, hook func(string) map[string]interface{}) []interface{} {
	if !api.AnalyticsPlugin {
		return []interface{}{}
	}
	return []interface{}{hook("OAuthCheckAnalytics")}
}
