// Package vigilgin is Vigil's gin middleware.
//
//	router := gin.Default()
//	router.Use(vigilgin.Middleware())
//
// Handlers reach the SDK with sdk.FromContext(c) (c is the *gin.Context).
package vigilgin

import (
	"github.com/gin-gonic/gin"

	"github.com/vigil-ato/vigil/go/internal/mwcore"
	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
	"github.com/vigil-ato/vigil/go/middleware"
)

// Middleware blocks requests from blocked IPs, gives handlers the SDK, and aborts the chain
// with the block response when Identify reports a block.
func Middleware(opts ...middleware.Option) gin.HandlerFunc {
	cfg := middleware.Build(opts...)
	return func(c *gin.Context) {
		rec, ok := mwcore.Begin(c.Writer, c.Request, &cfg)
		if !ok {
			c.Abort()
			return
		}
		if rec == nil {
			c.Next()
			return
		}
		rec.Block = func(d *native.Decision) {
			mwcore.WriteBlock(c.Writer, c.Request, d, &cfg)
			c.Abort()
		}
		c.Request = c.Request.WithContext(reqctx.With(c.Request.Context(), rec))
		c.Set(reqctx.StringKey, rec)
		c.Next()
		rec.End()
	}
}
