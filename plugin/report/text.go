package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// topN limits the APIs and clients listed under each cause in the table.
const topN = 5

// WriteText prints the terminal table: causes by count, then per cause its
// APIs (with the share of each API's OAuth traffic) and top clients.
func WriteText(w io.Writer, r Report) error {
	fmt.Fprintf(w, "%d records, %d with oauthcheck labels, %d ok", r.Records, r.Labelled, r.OK)
	if r.Skipped > 0 {
		fmt.Fprintf(w, ", %d lines without a record", r.Skipped)
	}
	fmt.Fprintln(w)
	if len(r.Causes) == 0 {
		_, err := fmt.Fprintln(w, "no causes")
		return err
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CAUSE\tCOUNT\tFIRST SEEN\tLAST SEEN")
	for _, c := range r.Causes {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", c.Code, c.Count, stamp(c.FirstSeen), stamp(c.LastSeen))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range r.Causes {
		fmt.Fprintf(w, "\n%s (%d)\n", c.Code, c.Count)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for i, a := range c.APIs {
			if i == topN {
				fmt.Fprintf(tw, "  api\t… %d more\t\t\n", len(c.APIs)-topN)
				break
			}
			fmt.Fprintf(tw, "  api\t%s\t%d\t%.1f%% of its OAuth traffic\n", a.APIID, a.Count, 100*a.Share)
		}
		for i, cl := range c.Clients {
			if i == topN {
				fmt.Fprintf(tw, "  client\t… %d more\t\t\n", len(c.Clients)-topN)
				break
			}
			fmt.Fprintf(tw, "  client\t%s\t%d\t\n", cl.ClientID, cl.Count)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if c.Hint != "" {
			fmt.Fprintf(w, "  fix: %s\n", strings.TrimSpace(c.Hint))
		}
	}
	return nil
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}
