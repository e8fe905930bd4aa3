// Package browser opens oauthcheck report's HTML page in headless
// Chromium (Debian's chromium), when it is installed: the page must load
// with no network and hold one chart per API as a browser builds its DOM.
// make report-screenshot writes docs/report-html.png the same way.
package browser

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/report"
)

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH (apt-get install chromium); the page's structure is still checked by plugin/report's tests")
	return ""
}

func page(t *testing.T) string {
	t.Helper()
	f, err := os.Open("../../plugin/report/testdata/harness/pump-stdout.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	agg := report.New(report.Filter{})
	if _, _, err := report.Records(f, func(r report.PumpRecord) error { agg.Add(r); return nil }); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteHTML(&b, agg.Report()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	out, err := exec.CommandContext(ctx, bin, append(base, args...)...).Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return out
}

func TestReportPageInChromium(t *testing.T) {
	bin := chromium(t)
	file := page(t)
	dom := run(t, bin, "--dump-dom", "file://"+file)
	apis := regexp.MustCompile(`<svg class="api-chart" data-api="([^"]+)"`).FindAllSubmatch(dom, -1)
	if len(apis) != 2 {
		t.Fatalf("chromium built %d API charts, want 2 (idp-token, orders-api)", len(apis))
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	run(t, bin, "--window-size=1280,1800", "--screenshot="+shot, "file://"+file)
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// Charts draw in colour; a blank or failed page is white and grey only.
	coloured := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if max(r, g, b)-min(r, g, b) > 0x4000 {
				coloured++
			}
		}
	}
	if coloured < 500 {
		t.Errorf("screenshot has %d coloured sample pixels, want the charts' colours", coloured)
	}
}
