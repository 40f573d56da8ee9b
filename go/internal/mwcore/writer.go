package mwcore

import "net/http"

// SealableWriter discards what a handler writes after Vigil blocked the request, so the block
// response is the whole response even if the handler carries on.
type SealableWriter struct {
	http.ResponseWriter
	sealed bool
}

// Seal makes every later write a no-op.
func (w *SealableWriter) Seal() { w.sealed = true }

// WriteHeader implements http.ResponseWriter.
func (w *SealableWriter) WriteHeader(status int) {
	if !w.sealed {
		w.ResponseWriter.WriteHeader(status)
	}
}

// Write implements http.ResponseWriter.
func (w *SealableWriter) Write(b []byte) (int, error) {
	if w.sealed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, Hijack...).
func (w *SealableWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
