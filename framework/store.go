package framework

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Store keeps the results of finished runs as JSON files in a directory, so
// an interrupted analysis resumes where it stopped and a finished run is not
// recomputed. Each file records a fingerprint of its inputs; a file whose
// inputs differ (another seed, other splits) is recomputed, not reused.
type Store struct {
	Dir string
	// CheckpointEvery is how often (wall time) a fine-tuning run saves its
	// state beside its result file (key + ".ckpt"), so that a killed run
	// resumes mid-way; 0 means DefaultCheckpointEvery, < 0 never.
	CheckpointEvery time.Duration
}

// DefaultCheckpointEvery: a checkpoint of a 1M-parameter model is about
// 16 MB written in well under a second; a few minutes between them bounds
// the work a kill loses without wearing the disk.
const DefaultCheckpointEvery = 3 * time.Minute

// checkpoint returns the checkpoint file of key and how often to write it
// ("" when checkpoints are off).
func (s *Store) checkpoint(key string) (string, time.Duration) {
	if s == nil || s.Dir == "" || s.CheckpointEvery < 0 {
		return "", 0
	}
	every := s.CheckpointEvery
	if every == 0 {
		every = DefaultCheckpointEvery
	}
	return filepath.Join(s.Dir, key+".ckpt"), every
}

type stored struct {
	Fingerprint string          `json:"fingerprint"`
	Value       json.RawMessage `json:"value"`
}

// Fingerprint hashes any JSON-encodable description of a run's inputs.
func Fingerprint(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are fingerprinted
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:12])
}

// Load fills v from the file of key if it exists and matches fp.
func (s *Store) Load(key, fp string, v any) bool {
	if s == nil || s.Dir == "" {
		return false
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, key+".json"))
	if err != nil {
		return false
	}
	var st stored
	if json.Unmarshal(b, &st) != nil || st.Fingerprint != fp {
		return false
	}
	return json.Unmarshal(st.Value, v) == nil
}

// Save writes v under key atomically.
func (s *Store) Save(key, fp string, v any) error {
	if s == nil || s.Dir == "" {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(stored{fp, raw}, "", " ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(s.Dir, key+".json"), b)
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it and
// renames it into place, so readers never see a half-written file.
func WriteFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
