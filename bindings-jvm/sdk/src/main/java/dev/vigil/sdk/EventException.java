package dev.vigil.sdk;

/** An event's name, properties, timestamp or challenge result is invalid. */
public final class EventException extends VigilException {
  private static final long serialVersionUID = 1L;

  public EventException(String code, String message) {
    super(code, message);
  }
}
