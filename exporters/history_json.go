package exporters

import (
	"bytes"
	"encoding/json"
	"io"
	"time"
)

// writeHistory writes the JSON of GET /api/v1/history: the host and its
// estimates at or after since, oldest first, indented as writeJSON
// indents,
//
//	{
//	  "host": "db-7",
//	  "estimates": [
//	    {
//	      "time": "2026-05-01T10:00:00Z",
//	      ...
//	    }
//	  ]
//	}
//
// It writes a chunk of the ring at a time, so a client that reads slowly
// holds one chunk of the agent's memory, not six hours of history.
func writeHistory(w io.Writer, host string, h *History, since time.Time) error {
	hostJSON, err := json.Marshal(host)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("{\n  \"host\": ")
	buf.Write(hostJSON)
	buf.WriteString(",\n  \"estimates\": [")
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	empty := true
	err = h.Each(since, func(points []HistoryPoint) error {
		for i := range points {
			if !empty {
				buf.WriteByte(',')
			}
			empty = false
			buf.WriteString("\n    ")
			if err := enc.Encode(&points[i]); err != nil {
				return err
			}
			buf.Truncate(buf.Len() - 1) // Encode's newline
		}
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err
	})
	if err != nil {
		return err
	}
	if !empty {
		buf.WriteString("\n  ")
	}
	buf.WriteString("]\n}\n")
	_, err = w.Write(buf.Bytes())
	return err
}
