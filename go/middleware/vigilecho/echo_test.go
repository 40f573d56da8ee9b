package vigilecho_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/middleware"
	"github.com/vigil-ato/vigil/go/middleware/vigilecho"
	"github.com/vigil-ato/vigil/go/sdk"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func TestMiddleware(t *testing.T) {
	e := echo.New()
	e.Use(vigilecho.Middleware())
	e.POST("/signup", func(c echo.Context) error {
		testutil.Signup(c.Request(), c.QueryParam("user"))
		return c.String(http.StatusOK, "signed up")
	})
	e.POST("/login", func(c echo.Context) error {
		testutil.Login(c.Request(), c.QueryParam("user"), c.QueryParam("ok") == "1")
		return nil
	})
	e.GET("/account", func(c echo.Context) error {
		if !testutil.Account(c.Request(), c.QueryParam("user")) {
			// Returning the SDK's error is idiomatic in echo: the middleware absorbs it.
			return sdk.FromContext(c.Request().Context()).ForUser(sdk.EventUserIdentifiersMap{"email": c.QueryParam("user")}).Identify()
		}
		return c.String(http.StatusOK, "hello "+c.QueryParam("user"))
	})
	e.GET("/device", func(c echo.Context) error { return c.String(http.StatusOK, testutil.Device(c.Request())) })
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "home") })
	srv := httptest.NewServer(e)
	defer srv.Close()
	testutil.Exercise(t, srv.URL, 3)
	testutil.ExerciseDevice(t, srv.URL, 3)
}

func TestDeviceCookieDisabled(t *testing.T) {
	e := echo.New()
	e.Use(vigilecho.Middleware(middleware.WithDeviceCookie("")))
	e.GET("/device", func(c echo.Context) error { return c.String(http.StatusOK, testutil.Device(c.Request())) })
	srv := httptest.NewServer(e)
	defer srv.Close()
	testutil.ExerciseNoDevice(t, srv.URL, 3)
}
