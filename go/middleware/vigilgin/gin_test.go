package vigilgin_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/middleware"
	"github.com/vigil-ato/vigil/go/middleware/vigilgin"
	"github.com/vigil-ato/vigil/go/sdk"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	testutil.Main(m)
}

func TestMiddleware(t *testing.T) {
	r := gin.New()
	r.Use(vigilgin.Middleware())
	r.POST("/signup", func(c *gin.Context) {
		testutil.Signup(c.Request, c.Query("user"))
		c.String(http.StatusOK, "signed up")
	})
	r.POST("/login", func(c *gin.Context) { testutil.Login(c.Request, c.Query("user"), c.Query("ok") == "1") })
	r.GET("/account", func(c *gin.Context) {
		if !testutil.Account(c.Request, c.Query("user")) {
			return
		}
		c.String(http.StatusOK, "hello "+c.Query("user"))
	})
	r.GET("/device", func(c *gin.Context) { c.String(http.StatusOK, testutil.Device(c.Request)) })
	r.GET("/", func(c *gin.Context) {
		// sdk.FromContext also accepts the *gin.Context itself, as with Sqreen's agent.
		sdk.FromContext(c).TrackEvent("home.view")
		c.String(http.StatusOK, "home")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	testutil.Exercise(t, srv.URL, 2)
	testutil.ExerciseDevice(t, srv.URL, 2)
}

func TestDeviceCookieDisabled(t *testing.T) {
	r := gin.New()
	r.Use(vigilgin.Middleware(middleware.WithDeviceCookie("")))
	r.GET("/device", func(c *gin.Context) { c.String(http.StatusOK, testutil.Device(c.Request)) })
	srv := httptest.NewServer(r)
	defer srv.Close()
	testutil.ExerciseNoDevice(t, srv.URL, 2)
}
