package dev.vigil.bench;

import com.posthog.server.PostHog;
import com.posthog.server.PostHogCaptureOptions;
import com.posthog.server.PostHogConfig;
import com.posthog.server.PostHogInterface;
import com.segment.analytics.Analytics;
import com.segment.analytics.messages.TrackMessage;
import dev.vigil.sdk.Stats;
import dev.vigil.sdk.Vigil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-call cost an application thread pays for one login (or signup) event with one identifier:
 * Vigil's {@code trackLogin}, {@code trackSignup} and {@code identify} beside Segment's
 * analytics-java {@code enqueue(TrackMessage)} and PostHog's server client {@code capture}, in the
 * same run. Every client points at a closed port on 127.0.0.1, so none of them waits for the
 * network: what is measured is the work on the caller's thread (their background threads run too,
 * on the same cores).
 *
 * <p>Goals (issue "JVM SDK"): {@code trackLogin} at most 1 µs and at least 10x cheaper than
 * Segment's {@code enqueue}; {@code identify} (user not banned) at most 500 ns.
 *
 * <p>None of the three blocks or throws on a full queue, so each runs with its defaults:
 *
 * <ul>
 *   <li>Vigil: {@code queue_capacity} events are held (10,000 by default); past that a call drops
 *       its event and counts it ({@code Stats.dropped}). The {@code queueCapacity} parameter raises
 *       it to 1,000,000 (about 290 MiB, allocated at start), more than a trial makes at today's
 *       cost per call, so the measured calls take the path of a working server (queued), not the
 *       cheaper "queue full" one; each trial prints its counts, and warns when events were dropped
 *       ({@code -p queueCapacity=10000000}, about 2.9 GiB, for a faster SDK).
 *   <li>Segment: an unbounded queue ({@code queueCapacity} unset: a bounded one makes {@code
 *       enqueue} block while it is full, {@code LinkedBlockingQueue.put}), drained by its looper
 *       thread into batches whose uploads fail and back off. Its {@code enqueue} also serializes
 *       the message to JSON on the caller's thread, to size it.
 *   <li>PostHog: the event is handed to its queue thread, which keeps the newest 1,000 ({@code
 *       maxQueueSize}) and discards the oldest.
 * </ul>
 *
 * <p>Run: {@code java -jar target/benchmarks.jar CallsBenchmark}; with a library other than the one
 * inside the vigil-sdk jar, add {@code -jvmArgsAppend
 * -Duniffi.component.vigil.libraryOverride=/path/libvigil_uniffi.so}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallsBenchmark {

  /** Vigil started on the closed port for the trial, closed after it. */
  @State(Scope.Benchmark)
  public static class VigilState {
    /** {@code queue_capacity}; empty: Vigil's default (10,000). */
    @Param({"1000000"})
    public String queueCapacity;

    @Setup(Level.Trial)
    public void start() {
      var options = Bench.vigil(Bench.closedPort());
      if (!queueCapacity.isEmpty()) {
        options.set("queue_capacity", queueCapacity);
      }
      Vigil.start(options);
      System.out.println("vigil " + Vigil.version() + ", library: " + Bench.library());
    }

    @TearDown(Level.Trial)
    public void close() {
      Stats s = Vigil.stats();
      System.out.printf(
          "vigil: %,d events accepted, %,d dropped (queue full), %,d queued%n",
          s.enqueued(), s.dropped(), s.queued());
      if (s.dropped() > 0) {
        System.out.println("WARNING: some calls took the queue-full path: raise queueCapacity");
      }
      Vigil.close(Duration.ofMillis(200));
    }
  }

  /** Segment's analytics-java on the closed port. */
  @State(Scope.Benchmark)
  public static class SegmentState {
    Analytics analytics;

    @Setup(Level.Trial)
    public void start() {
      analytics =
          Analytics.builder("bench-write-key").endpoint(Bench.url(Bench.closedPort())).build();
    }

    @TearDown(Level.Trial)
    public void close() {
      analytics.shutdown();
    }
  }

  /** PostHog's server-side JVM client on the closed port. */
  @State(Scope.Benchmark)
  public static class PostHogState {
    PostHogInterface posthog;

    @Setup(Level.Trial)
    public void start() {
      posthog =
          PostHog.with(
              PostHogConfig.builder("phc_bench").host(Bench.url(Bench.closedPort())).build());
    }

    @TearDown(Level.Trial)
    public void close() {
      posthog.close();
    }
  }

  @Benchmark
  public boolean vigilTrackLogin(VigilState s) {
    return Vigil.user().authKey("email", Bench.EMAIL).trackLogin(true);
  }

  @Benchmark
  public boolean vigilTrackSignup(VigilState s) {
    return Vigil.user().authKey("email", Bench.EMAIL).trackSignup();
  }

  /** The ban check of a user who is not banned (no decision held: the server is down). */
  @Benchmark
  public void vigilIdentify(VigilState s) {
    Vigil.user().authKey("email", Bench.EMAIL).identify();
  }

  @Benchmark
  public void segmentEnqueueLogin(SegmentState s) {
    s.analytics.enqueue(
        TrackMessage.builder("auth.login").userId(Bench.EMAIL).properties(Bench.LOGIN));
  }

  @Benchmark
  public void segmentEnqueueSignup(SegmentState s) {
    s.analytics.enqueue(TrackMessage.builder("auth.signup").userId(Bench.EMAIL));
  }

  @Benchmark
  public void posthogCaptureLogin(PostHogState s) {
    // The Java form of the call (Kotlin's defaulted parameters are not visible from Java).
    s.posthog.capture(
        Bench.EMAIL, "auth.login", PostHogCaptureOptions.builder().properties(Bench.LOGIN).build());
  }

  @Benchmark
  public void posthogCaptureSignup(PostHogState s) {
    s.posthog.capture(Bench.EMAIL, "auth.signup");
  }
}
