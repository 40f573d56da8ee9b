// Package vigilhttp is Vigil's net/http middleware.
//
//	http.ListenAndServe(":8080", vigilhttp.Middleware(mux))
package vigilhttp

import (
	"net/http"

	"github.com/vigil-ato/vigil/go/internal/mwcore"
	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
	"github.com/vigil-ato/vigil/go/middleware"
)

// Middleware blocks requests from blocked IPs and gives handlers the SDK
// (sdk.FromContext(r.Context())). When Identify reports a block, the block response is written
// and whatever the handler writes afterwards is discarded.
func Middleware(next http.Handler, opts ...middleware.Option) http.Handler {
	cfg := middleware.Build(opts...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &mwcore.SealableWriter{ResponseWriter: w}
		rec, ok := mwcore.Begin(sw, r, &cfg)
		if !ok {
			return
		}
		if rec == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec.Block = func(d *native.Decision) {
			mwcore.WriteBlock(sw, r, d, &cfg)
			sw.Seal()
		}
		next.ServeHTTP(sw, r.WithContext(reqctx.With(r.Context(), rec)))
		rec.End()
	})
}
