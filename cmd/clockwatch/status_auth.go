package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/clockwatch/clockwatch/exporters"
)

// printAuthentication prints, like `chronyc authdata`, the authentication
// counters of the authenticated sources; nothing when there are none.
func printAuthentication(out io.Writer, s exporters.Status) {
	var authenticated []exporters.Source
	for _, src := range s.Sources {
		if src.Auth != nil {
			authenticated = append(authenticated, src)
		}
	}
	if len(authenticated) == 0 {
		return
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tAUTH\tKEY EXCHANGES\tKE FAILURES\tBAD MACS\tCOOKIE REFRESHES\tNAKS\tCOOKIES")
	for _, src := range authenticated {
		a := src.Auth
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", src.Name, src.Authentication,
			a.KeyExchanges, a.KeyExchangeFailures, a.BadMACs, a.CookieRefreshes, a.NAKs, a.Cookies)
	}
	tw.Flush()
}
