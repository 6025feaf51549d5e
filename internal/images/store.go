package images

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Store is the registry's content on disk (layout in the package doc).
// It is safe for concurrent use.
type Store struct {
	dir string
	// uploads serialises writes to each upload session.
	uploads keyedMutex
}

// Open prepares a store in dir, creating it if needed, and removes
// temporary files a crash left behind.
func Open(dir string) (*Store, error) {
	for _, sub := range []string{"blobs/sha256", "repositories", "uploads"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("image store: %w", err)
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "tmp")); err != nil {
		return nil, fmt.Errorf("image store: clear tmp: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("image store: %w", err)
	}
	return &Store{dir: dir, uploads: keyedMutex{locks: map[string]*refMutex{}}}, nil
}

func (s *Store) blobPath(digest string) string {
	return filepath.Join(s.dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
}

// repoPath is the directory of a validated repository name.
func (s *Store) repoPath(repo string) string {
	return filepath.Join(s.dir, "repositories", filepath.FromSlash(repo), "_manifests")
}

// StatBlob returns a blob's size, or a BLOB_UNKNOWN error.
func (s *Store) StatBlob(digest string) (int64, error) {
	if !validDigest(digest) {
		return 0, digestInvalid("invalid digest %q", digest)
	}
	fi, err := os.Stat(s.blobPath(digest))
	if errors.Is(err, os.ErrNotExist) {
		return 0, blobUnknown(digest)
	}
	if err != nil {
		return 0, fmt.Errorf("stat blob %s: %w", digest, err)
	}
	return fi.Size(), nil
}

// OpenBlob opens a blob for reading.
func (s *Store) OpenBlob(digest string) (*os.File, error) {
	if !validDigest(digest) {
		return nil, digestInvalid("invalid digest %q", digest)
	}
	f, err := os.Open(s.blobPath(digest))
	if errors.Is(err, os.ErrNotExist) {
		return nil, blobUnknown(digest)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", digest, err)
	}
	return f, nil
}

// putBlob stores data as a blob and returns its digest.
func (s *Store) putBlob(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if _, err := s.StatBlob(digest); err == nil {
		return digest, nil
	}
	return digest, s.writeFile(s.blobPath(digest), data)
}

// writeFile writes data to path atomically: a temporary file, fsynced,
// renamed into place, and the directory fsynced so that the rename lasts.
func (s *Store) writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "write-")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncClose(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return s.commit(tmp.Name(), path)
}

// commit renames a synced file into place, creating its directory.
func (s *Store) commit(from, to string) error {
	dir := filepath.Dir(to)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store %s: %w", to, err)
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("store %s: %w", to, err)
	}
	return syncDir(dir)
}

func syncClose(f *os.File) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// digestFile hashes a file's content.
func digestFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n, nil
}

// keyedMutex is one mutex per key, dropped when nobody holds or waits
// for it.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*refMutex
}

type refMutex struct {
	sync.Mutex
	refs int
}

// lock locks key and returns the unlock function.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	m := k.locks[key]
	if m == nil {
		m = &refMutex{}
		k.locks[key] = m
	}
	m.refs++
	k.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		k.mu.Lock()
		if m.refs--; m.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
