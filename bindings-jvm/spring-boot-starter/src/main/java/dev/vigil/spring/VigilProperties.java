package dev.vigil.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code vigil.*} in the app's configuration. Everything is optional: without a URL Vigil runs in
 * local mode, and {@code VIGIL_*} and {@code vigil.toml} still apply under these.
 */
@ConfigurationProperties(prefix = "vigil")
public class VigilProperties {
  /** Whether the starter registers anything at all. */
  private boolean enabled = true;

  /** The vigil-server URL; empty: local mode. */
  private String url;

  /** This app's token on the server. */
  private String token;

  /** Any other option by its configuration key (docs/configuration.md), e.g. trusted_proxies. */
  private Map<String, String> options = new LinkedHashMap<>();

  private final Security security = new Security();

  /** Automatic mode for Spring Security. */
  public static class Security {
    /** Track logins and identify the signed-in user with no code. */
    private boolean enabled = true;

    /** The identifier key the principal's name is tracked under. */
    private String identifier = "username";

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getIdentifier() {
      return identifier;
    }

    public void setIdentifier(String identifier) {
      this.identifier = identifier;
    }
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getToken() {
    return token;
  }

  public void setToken(String token) {
    this.token = token;
  }

  public Map<String, String> getOptions() {
    return options;
  }

  public void setOptions(Map<String, String> options) {
    this.options = options;
  }

  public Security getSecurity() {
    return security;
  }

  /** The options for {@code Vigil.start}, or none when nothing is configured here. */
  Map<String, String> startOptions() {
    Map<String, String> out = new LinkedHashMap<>(options);
    if (url != null && !url.isBlank()) {
      out.put("url", url);
    }
    if (token != null && !token.isBlank()) {
      out.put("token", token);
    }
    return out;
  }
}
