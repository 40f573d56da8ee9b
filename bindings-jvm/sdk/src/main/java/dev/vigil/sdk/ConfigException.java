package dev.vigil.sdk;

/** The options, {@code VIGIL_*} environment or {@code vigil.toml} are invalid. */
public final class ConfigException extends VigilException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String code, String message) {
    super(code, message);
  }
}
