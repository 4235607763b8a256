package exporters

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves g's metrics uncompressed, unless the scraper
// refuses an uncompressed reply (refusesIdentity), which gets them
// gzipped. A scrape of the agent is about 15 KB (3 KB gzipped): on the
// networks a host agent is scraped over, compressing it saves little, and
// it cost the agent a 0.8 MB compressor at every scrape (the client
// library's pool of compressors is emptied by the collections between two
// scrapes) and a mebibyte of resident memory (docs/footprint.md).
func metricsHandler(g prometheus.Gatherer, logger *slog.Logger) http.Handler {
	opts := promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}
	compressed := promhttp.HandlerFor(g, opts)
	opts.OfferedCompressions = []promhttp.Compression{promhttp.Identity}
	plain := promhttp.HandlerFor(g, opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusesIdentity(r.Header.Values("Accept-Encoding")) {
			compressed.ServeHTTP(w, r)
			return
		}
		plain.ServeHTTP(w, r)
	})
}

// refusesIdentity reports whether the Accept-Encoding header values refuse
// a reply with no content coding (RFC 9110, section 12.5.3): "identity"
// with a weight of 0, or "*" with a weight of 0 and no "identity" of its
// own. A weight that does not parse counts as 1.
func refusesIdentity(values []string) bool {
	identity, star := -1.0, -1.0 // the weights given; -1: not named
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "identity":
				identity = weight(params)
			case "*":
				star = weight(params)
			}
		}
	}
	if identity >= 0 {
		return identity == 0
	}
	return star == 0
}

// weight returns the q parameter among an Accept-Encoding item's
// parameters ("q=0.5"), 1 when there is none or it does not parse.
func weight(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		name, value, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		if q, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil && q >= 0 && q <= 1 {
			return q
		}
	}
	return 1
}
