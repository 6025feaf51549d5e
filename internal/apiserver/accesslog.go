package apiserver

import (
	"log/slog"
	"net/http"
	"time"
)

// withAccessLog logs every request at debug level (skiff server -v). It
// costs nothing when debug logging is off.
func withAccessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		user, _ := requestUser(r)
		log.Debug("request", "method", r.Method, "path", r.URL.RequestURI(), "code", rec.code,
			"duration", time.Since(start), "user", user, "agent", r.UserAgent())
	})
}

// statusRecorder remembers the status code; it keeps Flush for watches.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection, which the
// kubelet proxy hijacks for upgrades.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
