package report

import (
	"sort"
	"time"

	"github.com/oauthcheck/oauthcheck/plugin/classify"
)

// Caps that bound the report's memory however large the input: past them,
// new APIs and clients are counted under Other.
const (
	MaxAPIs          = 500
	MaxClients       = 2000 // per cause
	maxSeriesBuckets = 240  // per API and cause; the bucket width doubles past it
	firstBucketWidth = 60   // seconds
)

// Other stands for the APIs or clients past the caps; NoClient for records
// without a client label or OAuth client id.
const (
	Other    = "(other)"
	NoClient = "(none)"
)

// Filter keeps records since a time, of one API, of one client.
type Filter struct {
	Since  time.Time
	API    string
	Client string
}

// Aggregator counts records; the zero value is not usable, see New.
type Aggregator struct {
	filter   Filter
	records  int
	labelled int
	ok       int
	unknown  int
	skipped  int

	apis        map[string]*apiStats
	causes      map[string]*causeStats
	bucketWidth int64
}

type apiStats struct {
	records int // all records of the API
	oauth   int // records with a cause label (ok included)
}

type causeStats struct {
	count   int
	apis    map[string]int
	clients map[string]int
	first   time.Time
	last    time.Time
	series  map[string]map[int64]int // API → bucket → count
}

// New returns an empty aggregator applying f.
func New(f Filter) *Aggregator {
	return &Aggregator{filter: f, apis: map[string]*apiStats{}, causes: map[string]*causeStats{}, bucketWidth: firstBucketWidth}
}

// Add counts one record.
func (a *Aggregator) Add(rec PumpRecord) {
	f := a.filter
	if !f.Since.IsZero() && rec.TimeStamp.Before(f.Since) {
		return
	}
	if f.API != "" && rec.APIID != f.API {
		return
	}
	labels := ParseLabels(rec.Tags)
	client := labels.Client
	if client == "" && classify.LabelSafe(rec.OauthID) {
		client = rec.OauthID
	}
	if client == "" {
		client = NoClient
	}
	if f.Client != "" && client != f.Client {
		return
	}
	a.records++
	api := a.api(rec.APIID)
	api.records++
	a.unknown += labels.Unknown
	if !labels.Labelled() {
		return
	}
	a.labelled++
	if len(labels.Causes) > 0 {
		api.oauth++
	}
	apiID := rec.APIID
	if _, ok := a.apis[apiID]; !ok {
		apiID = Other
	}
	for _, code := range labels.Causes {
		if code == CauseOK {
			a.ok++
			continue
		}
		c := a.causes[code]
		if c == nil {
			c = &causeStats{apis: map[string]int{}, clients: map[string]int{}, series: map[string]map[int64]int{}}
			a.causes[code] = c
		}
		c.count++
		c.apis[apiID]++
		if _, ok := c.clients[client]; ok || len(c.clients) < MaxClients {
			c.clients[client]++
		} else {
			c.clients[Other]++
		}
		if t := rec.TimeStamp; !t.IsZero() {
			if c.first.IsZero() || t.Before(c.first) {
				c.first = t
			}
			if t.After(c.last) {
				c.last = t
			}
			a.addPoint(c, apiID, t)
		}
	}
}

func (a *Aggregator) api(id string) *apiStats {
	if s, ok := a.apis[id]; ok {
		return s
	}
	if len(a.apis) >= MaxAPIs {
		id = Other
		if s, ok := a.apis[id]; ok {
			return s
		}
	}
	s := &apiStats{}
	a.apis[id] = s
	return s
}

func (a *Aggregator) addPoint(c *causeStats, api string, t time.Time) {
	s := c.series[api]
	if s == nil {
		s = map[int64]int{}
		c.series[api] = s
	}
	b := t.Unix() / a.bucketWidth
	s[b]++
	if len(s) > maxSeriesBuckets {
		a.widen()
	}
}

// widen doubles the bucket width of every series, merging buckets pairwise.
func (a *Aggregator) widen() {
	a.bucketWidth *= 2
	for _, c := range a.causes {
		for api, s := range c.series {
			merged := make(map[int64]int, len(s)/2+1)
			for b, n := range s {
				merged[floorDiv(b, 2)] += n
			}
			c.series[api] = merged
		}
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) {
		q--
	}
	return q
}

// Report is the aggregate, ready to print. Its JSON form is the one
// `oauthcheck report --json` prints.
type Report struct {
	Records       int          `json:"records"`
	Labelled      int          `json:"labelled"`
	OK            int          `json:"ok"`
	UnknownLabels int          `json:"unknown_labels,omitempty"`
	Skipped       int          `json:"skipped,omitempty"`
	Causes        []CauseCount `json:"causes"`
	APIs          []APITraffic `json:"apis"`
	BucketSeconds int64        `json:"bucket_seconds"`
}

// CauseCount is one cause: how many records carry it, where and whose.
type CauseCount struct {
	Code      string        `json:"code"`
	Count     int           `json:"count"`
	APIs      []APICount    `json:"apis"`
	Clients   []ClientCount `json:"clients"`
	FirstSeen *time.Time    `json:"first_seen"`
	LastSeen  *time.Time    `json:"last_seen"`
	Hint      string        `json:"hint,omitempty"`
	Summary   string        `json:"summary,omitempty"`
	Series    []Series      `json:"-"`
}

// APICount is a cause's count on one API, with its share of that API's
// OAuth traffic (records with a cause label, ok included).
type APICount struct {
	APIID string  `json:"api_id"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

// ClientCount is a cause's count for one client.
type ClientCount struct {
	ClientID string `json:"client_id"`
	Count    int    `json:"count"`
}

// APITraffic is one API's record counts.
type APITraffic struct {
	APIID   string `json:"api_id"`
	Records int    `json:"records"`
	OAuth   int    `json:"oauth"`
}

// Series is a cause's counts over time on one API.
type Series struct {
	APIID  string
	Points []Point
}

// Point is one time bucket.
type Point struct {
	Start time.Time
	Count int
}

// AddSkipped counts input lines or values that held no record.
func (a *Aggregator) AddSkipped(n int) { a.skipped += n }

// Report returns the counts, causes by count then code, APIs and clients by
// count then id.
func (a *Aggregator) Report() Report {
	r := Report{Records: a.records, Labelled: a.labelled, OK: a.ok, UnknownLabels: a.unknown, Skipped: a.skipped, Causes: []CauseCount{}, APIs: []APITraffic{}, BucketSeconds: a.bucketWidth}
	for id, s := range a.apis {
		r.APIs = append(r.APIs, APITraffic{APIID: id, Records: s.records, OAuth: s.oauth})
	}
	sort.Slice(r.APIs, func(i, j int) bool {
		if r.APIs[i].OAuth != r.APIs[j].OAuth {
			return r.APIs[i].OAuth > r.APIs[j].OAuth
		}
		return r.APIs[i].APIID < r.APIs[j].APIID
	})
	for code, c := range a.causes {
		cc := CauseCount{Code: code, Count: c.count, APIs: []APICount{}, Clients: []ClientCount{}}
		if info, ok := classify.Lookup(classify.Code(code)); ok {
			cc.Hint, cc.Summary = info.Hint, info.Summary
		}
		if !c.first.IsZero() {
			first, last := c.first, c.last
			cc.FirstSeen, cc.LastSeen = &first, &last
		}
		for api, n := range c.apis {
			share := 0.0
			if s := a.apis[api]; s != nil && s.oauth > 0 {
				share = float64(n) / float64(s.oauth)
			}
			cc.APIs = append(cc.APIs, APICount{APIID: api, Count: n, Share: share})
		}
		sort.Slice(cc.APIs, func(i, j int) bool {
			if cc.APIs[i].Count != cc.APIs[j].Count {
				return cc.APIs[i].Count > cc.APIs[j].Count
			}
			return cc.APIs[i].APIID < cc.APIs[j].APIID
		})
		for id, n := range c.clients {
			cc.Clients = append(cc.Clients, ClientCount{ClientID: id, Count: n})
		}
		sort.Slice(cc.Clients, func(i, j int) bool {
			if cc.Clients[i].Count != cc.Clients[j].Count {
				return cc.Clients[i].Count > cc.Clients[j].Count
			}
			return cc.Clients[i].ClientID < cc.Clients[j].ClientID
		})
		for api, s := range c.series {
			ser := Series{APIID: api}
			for b, n := range s {
				ser.Points = append(ser.Points, Point{Start: time.Unix(b*a.bucketWidth, 0).UTC(), Count: n})
			}
			sort.Slice(ser.Points, func(i, j int) bool { return ser.Points[i].Start.Before(ser.Points[j].Start) })
			cc.Series = append(cc.Series, ser)
		}
		sort.Slice(cc.Series, func(i, j int) bool { return cc.Series[i].APIID < cc.Series[j].APIID })
		r.Causes = append(r.Causes, cc)
	}
	sort.Slice(r.Causes, func(i, j int) bool {
		if r.Causes[i].Count != r.Causes[j].Count {
			return r.Causes[i].Count > r.Causes[j].Count
		}
		return r.Causes[i].Code < r.Causes[j].Code
	})
	return r
}
