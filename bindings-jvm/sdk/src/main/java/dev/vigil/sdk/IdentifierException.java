package dev.vigil.sdk;

/** The user identifiers break a rule of Vigil's identity model (empty, too long, duplicate...). */
public final class IdentifierException extends VigilException {
  private static final long serialVersionUID = 1L;

  public IdentifierException(String code, String message) {
    super(code, message);
  }
}
