// Package vigilecho is Vigil's echo (v4) middleware.
//
//	e := echo.New()
//	e.Use(vigilecho.Middleware())
//
// Handlers reach the SDK with sdk.FromContext(c.Request().Context()).
package vigilecho

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/vigil-ato/vigil/go/internal/mwcore"
	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
	"github.com/vigil-ato/vigil/go/middleware"
	"github.com/vigil-ato/vigil/go/sdk"
)

// Middleware blocks requests from blocked IPs, gives handlers the SDK, and answers with the
// block response when Identify reports a block (the handler's *sdk.BlockedError is absorbed).
func Middleware(opts ...middleware.Option) echo.MiddlewareFunc {
	cfg := middleware.Build(opts...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			rec, ok := mwcore.Begin(c.Response(), r, &cfg)
			if !ok {
				return nil
			}
			if rec == nil {
				return next(c)
			}
			rec.Block = func(d *native.Decision) {
				if !c.Response().Committed {
					mwcore.WriteBlock(c.Response(), r, d, &cfg)
				}
			}
			c.SetRequest(r.WithContext(reqctx.With(r.Context(), rec)))
			err := next(c)
			rec.End()
			if errors.Is(err, sdk.ErrBlocked) {
				return nil
			}
			return err
		}
	}
}
