package dev.vigil.sdk;

import dev.vigil.sdk.ffi.Request;
import dev.vigil.sdk.ffi.VigilKt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native library's state in this JVM: loaded once (JNA finds it inside the jar), the request of
 * the current thread (set by the servlet filter), the daemon thread that hands the core's log
 * records to SLF4J, and the shutdown hook that flushes within the 2 s deadline.
 *
 * <p>If the library cannot load (an unsupported platform), Vigil fails open: every call does
 * nothing, and the reason is logged once.
 */
final class Native {
  static final Logger LOG = LoggerFactory.getLogger("dev.vigil.sdk");

  /** The flush deadline of {@code close()} and of the JVM's exit. */
  static final long EXIT_DEADLINE_MS = 2_000;

  /** The request of calls made outside an HTTP request; null when the library did not load. */
  private static final Request DETACHED = load();

  private static final ThreadLocal<VigilRequest> CURRENT = new ThreadLocal<>();

  private Native() {}

  private static Request load() {
    try {
      VigilKt.logsInstall(rank(LOG));
      Request detached = Request.Companion.detached();
      Thread logs = new Thread(Native::deliverLogs, "vigil-log");
      logs.setDaemon(true);
      logs.start();
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> shutdown(EXIT_DEADLINE_MS), "vigil-shutdown"));
      return detached;
    } catch (LinkageError e) {
      LOG.error("Vigil is disabled: its native library did not load on this platform", e);
      return null;
    }
  }

  static boolean available() {
    return DETACHED != null;
  }

  /** The current thread's request, else the detached one; null when Vigil is disabled. */
  static Request request() {
    VigilRequest r = CURRENT.get();
    return r != null ? r.request : DETACHED;
  }

  /** The thread's request, else null (the detached one: {@link #detached()}). */
  static VigilRequest binding() {
    return CURRENT.get();
  }

  /** The request of calls made outside one; null when Vigil is disabled. */
  static Request detached() {
    return DETACHED;
  }

  static VigilRequest current() {
    return CURRENT.get();
  }

  /** Binds {@code request} to this thread; returns the binding it replaced, for restoring. */
  static VigilRequest bind(VigilRequest request) {
    VigilRequest previous = CURRENT.get();
    CURRENT.set(request);
    return previous;
  }

  static void restore(VigilRequest previous) {
    if (previous == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(previous);
    }
  }

  static boolean shutdown(long timeoutMs) {
    if (!available()) {
      return true;
    }
    boolean done = Errors.call(() -> VigilKt.shutdown(timeoutMs));
    deliver(VigilKt.logsNext(0));
    return done;
  }

  /** SLF4J's most verbose enabled level, as the core's rank (1 error .. 5 trace). */
  private static byte rank(Logger log) {
    if (log.isTraceEnabled()) {
      return 5;
    }
    if (log.isDebugEnabled()) {
      return 4;
    }
    if (log.isInfoEnabled()) {
      return 3;
    }
    return (byte) (log.isWarnEnabled() ? 2 : 1);
  }

  private static void deliverLogs() {
    while (true) {
      try {
        deliver(VigilKt.logsNext(60_000));
      } catch (RuntimeException e) {
        // A failing appender is the application's problem; keep delivering.
        LOG.debug("delivering Vigil's log records failed", e);
      }
    }
  }

  private static void deliver(java.util.List<dev.vigil.sdk.ffi.LogRecord> records) {
    for (dev.vigil.sdk.ffi.LogRecord r : records) {
      switch (r.getRank()) {
        case 1 -> LOG.error(r.getMessage());
        case 2 -> LOG.warn(r.getMessage());
        case 3 -> LOG.info(r.getMessage());
        case 4 -> LOG.debug(r.getMessage());
        default -> LOG.trace(r.getMessage());
      }
    }
  }
}
