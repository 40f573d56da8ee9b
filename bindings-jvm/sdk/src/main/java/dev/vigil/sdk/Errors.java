package dev.vigil.sdk;

import dev.vigil.sdk.ffi.FfiException;

/** The one mapping of the native layer's errors to the SDK's exceptions. */
final class Errors {
  private Errors() {}

  /** A native call that may fail with the core's error. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws FfiException;
  }

  static <T> T call(Call<T> call) {
    try {
      return call.run();
    } catch (FfiException e) {
      throw map(e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      // uniffi's InternalException (Kotlin's, so undeclared): a panic caught at the boundary.
      throw new VigilException(
          "internal", "internal error in Vigil (please report): " + e.getMessage());
    }
  }

  static VigilException map(FfiException e) {
    if (e instanceof FfiException.Identifier i) {
      return new IdentifierException(i.getCode(), i.getDetail());
    }
    if (e instanceof FfiException.Event v) {
      return new EventException(v.getCode(), v.getDetail());
    }
    if (e instanceof FfiException.Config c) {
      return new ConfigException(c.getCode(), c.getDetail());
    }
    FfiException.Client c = (FfiException.Client) e;
    return new VigilException(c.getCode(), c.getDetail());
  }
}
