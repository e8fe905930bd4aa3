package report

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
	"time"
)

// WriteHTML writes one self-contained page: no scripts, styles inline, the
// charts are SVG drawn here. One chart per API of its causes over time,
// then the top clients per cause and each cause's fix hint. The page is
// well-formed XHTML, so a plain XML parser reads it.
func WriteHTML(w io.Writer, r Report) error {
	var b strings.Builder
	esc := html.EscapeString
	b.WriteString(`<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/><title>oauthcheck report</title>
<style>body{font:14px sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}h2{margin-top:2em}.legend span{margin-right:1em}</style>
</head><body>
<h1>oauthcheck report</h1>
`)
	fmt.Fprintf(&b, "<p>%d records, %d with oauthcheck labels, %d ok. Time buckets of %s.</p>\n", r.Records, r.Labelled, r.OK, time.Duration(r.BucketSeconds)*time.Second)
	colors := causeColors(r.Causes)

	b.WriteString("<h2>Causes over time per API</h2>\n")
	for _, api := range chartAPIs(r) {
		fmt.Fprintf(&b, "<h3>%s</h3>\n", esc(api))
		writeAPIChart(&b, r, api, colors)
	}

	b.WriteString("<h2>Top clients per cause</h2>\n")
	for _, c := range r.Causes {
		fmt.Fprintf(&b, "<h3>%s (%d)</h3>\n", esc(c.Code), c.Count)
		writeClientBars(&b, c, colors[c.Code])
	}

	b.WriteString("<h2>Fixes</h2>\n<table><tr><th>cause</th><th>records</th><th>what happened</th><th>what to do</th></tr>\n")
	for _, c := range r.Causes {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%d</td><td>%s</td><td>%s</td></tr>\n", esc(c.Code), c.Count, esc(c.Summary), esc(c.Hint))
	}
	b.WriteString("</table>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// chartAPIs lists every API that has at least one cause point.
func chartAPIs(r Report) []string {
	seen := map[string]bool{}
	for _, c := range r.Causes {
		for _, s := range c.Series {
			seen[s.APIID] = true
		}
	}
	out := make([]string, 0, len(seen))
	for api := range seen {
		out = append(out, api)
	}
	sort.Strings(out)
	return out
}

var palette = []string{"#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

func causeColors(causes []CauseCount) map[string]string {
	m := make(map[string]string, len(causes))
	for i, c := range causes {
		m[c.Code] = palette[i%len(palette)]
	}
	return m
}

const (
	chartW, chartH = 720, 200
	padL, padB     = 40, 24
)

// writeAPIChart draws one line per cause of the API's counts per bucket.
func writeAPIChart(b *strings.Builder, r Report, api string, colors map[string]string) {
	type line struct {
		code   string
		points []Point
	}
	var lines []line
	var lo, hi time.Time
	peak := 1
	for _, c := range r.Causes {
		for _, s := range c.Series {
			if s.APIID != api || len(s.Points) == 0 {
				continue
			}
			lines = append(lines, line{c.Code, s.Points})
			for _, p := range s.Points {
				if lo.IsZero() || p.Start.Before(lo) {
					lo = p.Start
				}
				if p.Start.After(hi) {
					hi = p.Start
				}
				peak = max(peak, p.Count)
			}
		}
	}
	span := hi.Sub(lo).Seconds()
	if span <= 0 {
		span = 1
	}
	x := func(t time.Time) float64 {
		if hi.Equal(lo) {
			return padL + float64(chartW-padL)/2
		}
		return padL + t.Sub(lo).Seconds()/span*float64(chartW-padL-10)
	}
	y := func(n int) float64 { return float64(chartH-padB) - float64(n)/float64(peak)*float64(chartH-padB-10) }
	fmt.Fprintf(b, `<svg class="api-chart" data-api="%s" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`+"\n",
		html.EscapeString(api), chartW, chartH, chartW, chartH)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/><line x1="%d" y1="10" x2="%d" y2="%d" stroke="#888"/>`+"\n",
		padL, chartH-padB, chartW, chartH-padB, padL, padL, chartH-padB)
	fmt.Fprintf(b, `<text x="2" y="16" font-size="11">%d</text><text x="%d" y="%d" font-size="11">%s</text><text x="%d" y="%d" font-size="11" text-anchor="end">%s</text>`+"\n",
		peak, padL, chartH-6, lo.Format("2006-01-02 15:04Z"), chartW, chartH-6, hi.Format("2006-01-02 15:04Z"))
	for _, l := range lines {
		var pts []string
		for _, p := range l.points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Start), y(p.Count)))
		}
		color := colors[l.code]
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>`+"\n", color, strings.Join(pts, " "), html.EscapeString(l.code))
		for _, p := range l.points {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %d</title></circle>`+"\n", x(p.Start), y(p.Count), color, html.EscapeString(l.code), p.Start.Format(time.RFC3339), p.Count)
		}
	}
	b.WriteString("</svg>\n<p class=\"legend\">")
	for _, l := range lines {
		fmt.Fprintf(b, `<span style="color:%s">&#9632; %s</span>`, colors[l.code], html.EscapeString(l.code))
	}
	b.WriteString("</p>\n")
}

// writeClientBars draws the cause's top clients as horizontal bars.
func writeClientBars(b *strings.Builder, c CauseCount, color string) {
	clients := c.Clients
	if len(clients) > 10 {
		clients = clients[:10]
	}
	const rowH, labelW, barW = 20, 200, 400
	peak := 1
	for _, cl := range clients {
		peak = max(peak, cl.Count)
	}
	fmt.Fprintf(b, `<svg class="client-chart" data-cause="%s" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">`+"\n",
		html.EscapeString(c.Code), labelW+barW+60, rowH*len(clients)+4)
	for i, cl := range clients {
		w := float64(cl.Count) / float64(peak) * barW
		y := i * rowH
		fmt.Fprintf(b, `<text x="0" y="%d" font-size="12">%s</text><rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/><text x="%.1f" y="%d" font-size="12">%d</text>`+"\n",
			y+14, html.EscapeString(cl.ClientID), labelW, y+3, w, rowH-6, color, float64(labelW)+w+4, y+14, cl.Count)
	}
	b.WriteString("</svg>\n")
}
