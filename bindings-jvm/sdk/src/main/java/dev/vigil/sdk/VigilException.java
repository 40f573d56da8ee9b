package dev.vigil.sdk;

/**
 * The base of every exception Vigil throws. {@link #code()} is the stable, language-neutral name of
 * the failure, the same in every Vigil SDK (docs/identity.md lists the identifier ones).
 */
public class VigilException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String code;

  public VigilException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** The stable code of the failure, e.g. {@code empty_value} or {@code config}. */
  public String code() {
    return code;
  }
}
