# oauthcheck: the commands the README names.
.PHONY: test test-root test-module fuzz bench plugin explain-demo readme-causes score report-screenshot hydra hydra-up hydra-down simulate load soak

# The test command: root module and test module, plain and under -race.
# The test module builds the plugin .so and loads it as Tyk does.
test: test-root test-module

test-root:
	go vet ./...
	go test ./...
	go test -race ./...

# The e2e suite runs its IdP cases in the harness against Ory Hydra; without
# a Hydra binary (no module proxy) they skip and say so, unless
# OAUTHCHECK_REQUIRE_HYDRA=1 (.ci/run), where that is a failure.
test-module:
	@test/hydra/build.sh >/dev/null || [ "$$OAUTHCHECK_REQUIRE_HYDRA" != 1 ]
	cd test && go vet ./...
	cd test && go test ./...
	cd test && go test -race ./...

# Each fuzz target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	for t in FuzzClassify FuzzJSONScan FuzzFormParse FuzzWWWAuthenticate FuzzFixtureBodies FuzzIndexFold; do \
		go test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./plugin/classify/ || exit 1; done
	for t in FuzzMessage FuzzPlacedSecret; do \
		go test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./plugin/redact/ || exit 1; done
	go test -run '^$$' -fuzz '^FuzzParseJSON$$' -fuzztime $(FUZZTIME) ./plugin/config/ || exit 1
	for t in FuzzParseResponse FuzzParseRequest; do \
		go test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./plugin/rawhttp/ || exit 1; done
	for t in FuzzApply FuzzObjectScan; do \
		go test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./plugin/repair/ || exit 1; done
	go test -run '^$$' -fuzz '^FuzzConservation$$' -fuzztime $(FUZZTIME) ./plugin/logagg/

bench:
	go test -run '^$$' -bench . -benchmem -count 5 ./plugin/ ./plugin/classify/ ./plugin/redact/ ./plugin/repair/ ./plugin/logagg/

# A local plugin build (plain Go, no Tyk): for the real gateway use the
# plugin compiler, see README "Installing into an existing Tyk".
plugin:
	CGO_ENABLED=1 go build -buildmode=plugin -o bin/oauthcheck.so ./plugin

# Try the classifier without Docker or Tyk.
explain-demo:
	go run ./cmd/oauthcheck explain \
		--request plugin/classify/testdata/keycloak/incorrect_redirect_uri.req \
		plugin/classify/testdata/keycloak/incorrect_redirect_uri.resp || true
	go run ./cmd/oauthcheck explain --json --request plugin/classify/testdata/infra/nginx_502.req plugin/classify/testdata/infra/nginx_502.resp || true

readme-causes:
	go run ./cmd/oauthcheck causes --markdown

# Root-cause accuracy on the public corpus, tuning and held-out apart
# (docs/accuracy.md).
score:
	go run ./cmd/oauthcheck score plugin/classify/testdata/corpus

# The HTML report of the harness's pump files, and its screenshot in
# docs/ (needs Debian's chromium: apt-get install chromium).
report-screenshot:
	mkdir -p out
	go run ./cmd/oauthcheck report --html out/report.html plugin/report/testdata/harness/pump-stdout.log >/dev/null
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1800 \
		--screenshot=docs/report-html.png file://$(CURDIR)/out/report.html

# Ory Hydra v2.3.0 without Docker (README "Running the end-to-end suite"):
# built once into ~/.cache/oauthcheck/hydra-v2.3.0, started on loopback
# (public 4444, admin 4445, DSN=memory) with the demo clients, and stopped.
hydra:
	test/hydra/build.sh

hydra-up: hydra
	cd test && go run ./cmd/hydra-demo up

hydra-down:
	cd test && go run ./cmd/hydra-demo down

# Attack protection: a simulated day of traffic with injected attacks
# (docs/attack-protection.md). SIMULATE_BENIGN benign requests, default 10M;
# make test runs a 1M-request version (test/simulate).
SIMULATE_BENIGN ?= 10000000
simulate:
	cd test && go run ./cmd/simulate -benign $(SIMULATE_BENIGN)

# Load comparison through the plugin harness (docs/benchmarks.md): no
# plugin, a no-op plugin and oauthcheck, interleaved rounds. Not in make
# test. LOAD_ROUNDS, LOAD_SECONDS override the defaults (5, 10).
LOAD_ROUNDS ?= 5
LOAD_SECONDS ?= 10
load:
	cd test && OAUTHCHECK_LOAD=1 OAUTHCHECK_LOAD_ROUNDS=$(LOAD_ROUNDS) OAUTHCHECK_LOAD_SECONDS=$(LOAD_SECONDS) \
		go test -run '^TestLoadComparison$$' -v -count 1 -timeout 60m ./load/

# Soak: SOAK (default 10m) of mixed traffic through the harness; the test
# suite runs 3 s of it.
SOAK ?= 10m
soak:
	cd test && OAUTHCHECK_SOAK=$(SOAK) go test -run '^TestSoak$$' -v -count 1 -timeout 60m ./load/
