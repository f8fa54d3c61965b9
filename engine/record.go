package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"jrx/internal/safeio"
)

// RecordVersion is the session file format version. Version 2: the prompt
// is read in one pass (latent.Stepper.FeedTokens), so latents differ from
// version 1's token-by-token reading in the last bits. Version 3: the
// lanes are a list in each snapshot ("lanes") and the file names its task;
// version-2 files (lanes as the fields talker_mono, talker_dual, baseline,
// always the tree task) are still read and replayed.
const RecordVersion = 3

// Record is a saved session: enough to re-run it and check every latent.
type Record struct {
	Format     string            `json:"format"` // "jrx-session"
	Version    int               `json:"version"`
	Models     map[string]string `json:"models"`         // file → SHA-256 of the model set used
	Task       string            `json:"task,omitempty"` // empty in version 2: "tree"
	Seed       uint64            `json:"seed"`
	Problem    string            `json:"problem"`
	Injections []string          `json:"injections"` // specs, read with the task's vocabulary`
	Steps      int               `json:"steps_taken"`
	Snapshots  []*Snapshot       `json:"snapshots"`
	Summary    Summary           `json:"summary"`
}

// Record captures the session.
func (s *Session) Record() Record {
	var specs []string
	for _, in := range s.inj {
		specs = append(specs, in.String())
	}
	return Record{Format: "jrx-session", Version: RecordVersion, Models: s.Set.Hashes, Task: s.Set.Task.Name(), Seed: s.Problem.Seed,
		Problem: s.Problem.Text, Injections: specs, Steps: len(s.snaps), Snapshots: s.Snapshots(), Summary: s.Summary()}
}

// WriteRecord writes a session file atomically through jrx's guarded
// writer (internal/safeio: temporary file + rename; a device, FIFO or
// directory is refused, a symlink written through).
func WriteRecord(path string, rec Record) error {
	err := safeio.WriteFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(rec)
	})
	if err != nil {
		return fmt.Errorf("session file: %w", err)
	}
	return nil
}

// maxRecordBytes bounds a session file read into memory. A depth-4 tree
// session is about 100 KB; a d = 1024 model stepped 500 times about 6 MB.
// Decoding a file holds its bytes and the decoded snapshots (float32
// latents take less than their decimal text), so peak memory stays within
// about twice the cap.
const maxRecordBytes = 32 << 20

// maxRecordLatent bounds one recorded latent's width.
const maxRecordLatent = 1 << 16

// ReadRecord reads a session file through jrx's guarded reader (regular
// files only, at most maxRecordBytes) and checks its format and version.
func ReadRecord(path string) (Record, error) {
	b, err := safeio.ReadFile(path, maxRecordBytes)
	if err != nil {
		return Record{}, fmt.Errorf("session file: %w", err)
	}
	return ParseRecord(b, path)
}

// ParseRecord decodes a session file's bytes; name is used in errors.
func ParseRecord(b []byte, name string) (Record, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return Record{}, fmt.Errorf("session file %s: not JSON: %w", name, err)
	}
	if head.Format != "jrx-session" {
		return Record{}, fmt.Errorf("session file %s: format %q, want \"jrx-session\"", name, head.Format)
	}
	if head.Version == 1 {
		return Record{}, fmt.Errorf("session file %s: version 1, recorded by an older jrx that read the prompt one token at a time; this jrx reads it in one pass, so its latents differ in the last bits and a bit-for-bit replay cannot pass. Re-create the session with this jrx (its problem is in the file: \"problem\")", name)
	}
	if head.Version != RecordVersion && head.Version != 2 {
		return Record{}, fmt.Errorf("session file %s: version %d; this jrx reads version %d", name, head.Version, RecordVersion)
	}
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&rec); err != nil {
		return Record{}, fmt.Errorf("session file %s: %w", name, err)
	}
	if rec.Steps < 0 || rec.Steps > 1<<16 || len(rec.Snapshots) != rec.Steps {
		return Record{}, fmt.Errorf("session file %s: %d snapshots for %d steps", name, len(rec.Snapshots), rec.Steps)
	}
	for i, sn := range rec.Snapshots {
		if sn == nil {
			return Record{}, fmt.Errorf("session file %s: snapshot %d is null", name, i+1)
		}
		if len(sn.Latent) == 0 || len(sn.Latent) > maxRecordLatent || len(sn.Latent) != len(rec.Snapshots[0].Latent) {
			return Record{}, fmt.Errorf("session file %s: snapshot %d has a latent of %d values (want one width, 1..%d, in every snapshot)", name, i+1, len(sn.Latent), maxRecordLatent)
		}
	}
	return rec, nil
}

// CheckModels reports a model-hash mismatch between the record and set.
func (rec Record) CheckModels(set *Set) error {
	for f, h := range rec.Models {
		if got := set.Hashes[f]; got != h {
			return fmt.Errorf("the session was recorded with a different %s (sha256 %.12s…, this model set has %.12s…); load the same model set with --model", f, h, got)
		}
	}
	if len(rec.Models) == 0 {
		return fmt.Errorf("the session file names no models")
	}
	return nil
}

// Open rebuilds the recorded session (problem and injections) on set,
// without taking steps.
func (rec Record) Open(set *Set) (*Session, error) {
	if task := rec.Task; task != "" && task != set.Task.Name() {
		return nil, fmt.Errorf("session file: the session is a %s problem; this model set's task is %s", task, set.Task.Name())
	}
	p, err := ParseProblem(set.Task, rec.Problem, rec.Seed)
	if err != nil {
		return nil, fmt.Errorf("session file: problem: %w", err)
	}
	var inj []Injection
	for _, spec := range rec.Injections {
		in, err := ParseInjection(spec, set.Task.Vocab())
		if err != nil {
			return nil, fmt.Errorf("session file: %w", err)
		}
		inj = append(inj, in)
	}
	return NewSession(set, p, inj, Options{})
}

// Replay re-runs the recorded session on set and verifies that every
// latent is bit-identical, every lane's tokens equal the recorded ones, and
// the recorded summary equals the re-run's. It returns the re-run session
// and an error that says where the first difference is. A recording
// without steps is refused: there would be nothing to verify.
func Replay(set *Set, rec Record) (*Session, error) {
	if err := rec.CheckModels(set); err != nil {
		return nil, err
	}
	if len(rec.Snapshots) == 0 {
		return nil, fmt.Errorf("the session file has no steps: there is nothing to replay (record a session after stepping it)")
	}
	s, err := rec.Open(set)
	if err != nil {
		return nil, err
	}
	for i, want := range rec.Snapshots {
		got, err := s.Step()
		if err != nil {
			return s, fmt.Errorf("replay step %d: %w", i+1, err)
		}
		if len(got.Latent) != len(want.Latent) {
			return s, fmt.Errorf("replay step %d: latent width %d, recorded %d", i+1, len(got.Latent), len(want.Latent))
		}
		for j := range got.Latent {
			if math.Float32bits(got.Latent[j]) != math.Float32bits(want.Latent[j]) {
				return s, fmt.Errorf("replay differs at step %d, component %d: %v, recorded %v", i+1, j, got.Latent[j], want.Latent[j])
			}
		}
		for _, l := range set.Lanes() {
			g, w := LaneTokens(s.snaps[:i+1], l.Name), LaneTokens(rec.Snapshots[:i+1], l.Name)
			if fmt.Sprint(g) != fmt.Sprint(w) {
				return s, fmt.Errorf("replay differs at step %d: %s tokens %v, recorded %v", i+1, l.Label, g, w)
			}
		}
	}
	gs, ws := s.Summary(), rec.Summary
	if !rec.VerdictsComparable() {
		// Version 2 predates the verdict state machine (pending,
		// recovered): everything but the verdicts is still checked.
		gs, ws = withoutVerdicts(gs), withoutVerdicts(ws)
	}
	got, _ := json.Marshal(gs)
	want, _ := json.Marshal(ws)
	if !bytes.Equal(got, want) {
		return s, fmt.Errorf("replay: the recorded summary differs from the re-run's (the file was edited, or recorded by a jrx with other verdicts):\n recorded %s\n re-run   %s", want, got)
	}
	return s, nil
}

// VerdictsComparable reports whether the record's verdicts use this jrx's
// vocabulary (version 3 on); a version-2 file's do not (no pending or
// recovered), so replay checks its summary without them.
func (rec Record) VerdictsComparable() bool { return rec.Version >= 3 }

// withoutVerdicts is the summary with every lane's verdict fields cleared.
func withoutVerdicts(s Summary) Summary {
	lanes := make([]Lane, len(s.Lanes))
	for i, l := range s.Lanes {
		l.Verdict, l.Left, l.Rejoined, l.Stopped = "", 0, 0, 0
		lanes[i] = l
	}
	s.Lanes = lanes
	return s
}
