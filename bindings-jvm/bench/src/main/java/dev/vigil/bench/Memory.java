package dev.vigil.bench;

import dev.vigil.sdk.Stats;
import dev.vigil.sdk.Vigil;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

/**
 * The JVM SDK's memory after a million calls while the server is down ({@code make jvm-bench}): the
 * queue is bounded ({@code queue_capacity}, 10,000 events by default), so the heap and the
 * process's resident memory must stay flat however long the outage lasts (goal: at most 10 MB of
 * growth of each). The calls are a mix of {@code trackLogin}, {@code trackSignup} and {@code
 * identify}. Prints one JSON line, like the Go and Node memory programs, for
 * target/bench/memory.jsonl: the figures right after the calls ({@code *_after_kib}), and once the
 * process has been idle long enough for the heap to stop shrinking ({@code *_settled_kib}, after
 * {@code settle_seconds}).
 *
 * <pre>{@code java -cp target/benchmarks.jar dev.vigil.bench.Memory [calls]}</pre>
 */
public final class Memory {
  private Memory() {}

  private static final int WARM_UP_CALLS = 20_000;

  public static void main(String[] args) throws InterruptedException {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Vigil.start(Bench.vigil(Bench.closedPort()));
    // Steady state first: the queue full, the code compiled, and the young generation used at
    // least twice over, so that the "before" figures already count the pages a steady run
    // touches (the JVM maps its heap in as it first uses it).
    calls(WARM_UP_CALLS);
    long collections = collections();
    while (collections() < collections + 2) {
      calls(WARM_UP_CALLS);
    }
    long heapBefore = heapAfterGc();
    long rssBefore = Bench.rssKib();
    long started = System.nanoTime();
    calls(calls);
    double seconds = (System.nanoTime() - started) / 1e9;
    long heapAfter = heapAfterGc();
    long rssAfter = Bench.rssKib();
    Stats stats = Vigil.stats();
    // Then idle until the heap stops shrinking: what the calls left behind for good, as opposed
    // to what was still waiting to be freed when they ended (JNA frees the native memory of its
    // Structures on its cleaner thread, after the collection that finds them unreachable).
    long settleStarted = System.nanoTime();
    long heapSettled = heapAfter;
    for (int i = 0; i < 30; i++) {
      Thread.sleep(1000);
      long heap = heapAfterGc();
      boolean steady = Math.abs(heapSettled - heap) < 1 << 20;
      heapSettled = heap;
      if (steady) {
        break;
      }
    }
    double settleSeconds = (System.nanoTime() - settleStarted) / 1e9;
    long rssSettled = Bench.rssKib();
    System.out.println(
        String.format(
            Locale.ROOT,
            "{\"lang\": \"jvm\", \"calls\": %d, \"rss_before_kib\": %d, \"rss_after_kib\": %d,"
                + " \"heap_before_kib\": %d, \"heap_after_kib\": %d, \"queued\": %d,"
                + " \"dropped\": %d, \"seconds\": %.3f, \"settle_seconds\": %.1f,"
                + " \"rss_settled_kib\": %d, \"heap_settled_kib\": %d}",
            calls,
            rssBefore,
            rssAfter,
            heapBefore / 1024,
            heapAfter / 1024,
            stats.queued(),
            stats.dropped(),
            seconds,
            settleSeconds,
            rssSettled,
            heapSettled / 1024));
    Vigil.close(Duration.ofMillis(100));
  }

  private static void calls(int n) {
    for (int i = 0; i < n; i++) {
      var user = Vigil.user().authKey("email", Bench.EMAIL);
      switch (i % 3) {
        case 0 -> user.trackLogin(true);
        case 1 -> user.trackSignup();
        default -> user.identify();
      }
    }
  }

  private static long collections() {
    long n = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(gc.getCollectionCount(), 0);
    }
    return n;
  }

  /** Heap in use after full collections (bytes): the live objects, not garbage. */
  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      // The JNA cleaner thread frees native memory of the objects the collection found dead.
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
