package images

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// An upload session is a file under DIR/uploads that PATCH requests append
// to; the final PUT verifies the whole file against the digest the client
// names and renames it into the blob store.

var uploadIDPattern = regexp.MustCompile(`^[a-f0-9]{32}$`)

func (s *Store) uploadPath(id string) string { return filepath.Join(s.dir, "uploads", id) }

// StartUpload opens a new, empty upload session.
func (s *Store) StartUpload() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("upload id: %w", err)
	}
	id := hex.EncodeToString(b[:])
	f, err := os.OpenFile(s.uploadPath(id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("start upload: %w", err)
	}
	return id, f.Close()
}

// UploadSize is how many bytes an upload session holds.
func (s *Store) UploadSize(id string) (int64, error) {
	if !uploadIDPattern.MatchString(id) {
		return 0, uploadUnknown(id)
	}
	fi, err := os.Stat(s.uploadPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return 0, uploadUnknown(id)
	}
	if err != nil {
		return 0, fmt.Errorf("upload %s: %w", id, err)
	}
	return fi.Size(), nil
}

// AppendUpload adds a chunk to an upload. start is where the client says
// the chunk begins (from Content-Range), or -1 when it does not say; a
// chunk that does not continue the upload is refused.
func (s *Store) AppendUpload(id string, start int64, r io.Reader) (int64, error) {
	defer s.uploads.lock(id)()
	return s.appendLocked(id, start, r)
}

func (s *Store) appendLocked(id string, start int64, r io.Reader) (int64, error) {
	size, err := s.UploadSize(id)
	if err != nil {
		return 0, err
	}
	if start >= 0 && start != size {
		return size, rangeInvalid("chunk starts at %d but the upload holds %d bytes", start, size)
	}
	f, err := os.OpenFile(s.uploadPath(id), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return size, fmt.Errorf("upload %s: %w", id, err)
	}
	n, copyErr := io.Copy(f, r)
	if err := f.Close(); err != nil && copyErr == nil {
		copyErr = err
	}
	if copyErr != nil {
		return size + n, fmt.Errorf("upload %s: %w", id, copyErr)
	}
	return size + n, nil
}

// FinishUpload appends the last chunk (r may be empty), checks the
// content against digest and moves it into the blob store.
func (s *Store) FinishUpload(id, digest string, r io.Reader) error {
	if !validDigest(digest) {
		return digestInvalid("invalid digest %q", digest)
	}
	defer s.uploads.lock(id)()
	if _, err := s.appendLocked(id, -1, r); err != nil {
		return err
	}
	path := s.uploadPath(id)
	if err := syncFile(path); err != nil {
		return err
	}
	got, _, err := digestFile(path)
	if err != nil {
		return fmt.Errorf("upload %s: %w", id, err)
	}
	if got != digest {
		_ = os.Remove(path)
		return digestInvalid("content has digest %s, not %s", got, digest)
	}
	return s.commit(path, s.blobPath(digest))
}

// CancelUpload drops an upload session.
func (s *Store) CancelUpload(id string) error {
	if _, err := s.UploadSize(id); err != nil {
		return err
	}
	defer s.uploads.lock(id)()
	if err := os.Remove(s.uploadPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cancel upload %s: %w", id, err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := syncClose(f); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}
