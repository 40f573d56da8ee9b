package dev.vigil.bench;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import dev.vigil.sdk.Vigil;
import dev.vigil.sdk.ffi.FfiConverterSequenceString;
import dev.vigil.sdk.ffi.FfiException;
import dev.vigil.sdk.ffi.IntegrityCheckingUniffiLib;
import dev.vigil.sdk.ffi.Request;
import dev.vigil.sdk.ffi.RustBuffer;
import dev.vigil.sdk.ffi.UniffiLib;
import dev.vigil.sdk.ffi.UniffiRustCallStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where a Vigil call's time goes on the JVM, layer by layer: a bare JNA call, the JNA {@code
 * Structure}s uniffi's generated Kotlin allocates for every call ({@code UniffiRustCallStatus},
 * {@code RustBuffer.ByValue}) and the JNA {@code Memory} behind each, the lowering of the
 * identifier list into a {@code RustBuffer}, a uniffi method without arguments, and the uniffi
 * calls the SDK makes, without the SDK's Java layer. Not part of {@code make jvm-bench}: {@code
 * java -jar target/benchmarks.jar FfiBreakdown -prof gc}. It reads the generated code's internals
 * (public in the bytecode), so it follows that code, not a stable API.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class FfiBreakdown {
  private static final List<String> IDS = List.of("email", Bench.EMAIL);

  private Request request;

  /** A handle of {@link #request} this state owns, for the calls made without the wrapper. */
  private long handle;

  /** One call status for every call, as a generator that reused it would do. */
  private final UniffiRustCallStatus status = new UniffiRustCallStatus();

  /** libc by JNA direct mapping: a call that takes a Java array, no Structure. */
  static final class Libc {
    static {
      Native.register(Platform.C_LIBRARY_NAME);
    }

    private Libc() {}

    static native long strnlen(byte[] s, long max);
  }

  @Setup(Level.Trial)
  public void start() {
    Vigil.start(Bench.vigil(Bench.closedPort()));
    request = Request.Companion.detached();
    handle = request.uniffiCloneHandle();
    System.out.println("vigil " + Vigil.version() + ", library: " + Bench.library());
  }

  @TearDown(Level.Trial)
  public void close() {
    UniffiLib.INSTANCE.uniffi_vigil_uniffi_fn_free_request(handle, status);
    request.close();
    Vigil.close(Duration.ofMillis(200));
  }

  /** A JNA direct-mapped call with no argument and an int result: the floor of any call. */
  @Benchmark
  public int jnaCallNoArguments() {
    return IntegrityCheckingUniffiLib.INSTANCE.ffi_vigil_uniffi_uniffi_contract_version();
  }

  /** The JNA {@code Memory} (malloc, a map entry, a Cleaner) each {@code Structure} holds. */
  @Benchmark
  public Memory jnaMemory40Bytes() {
    return new Memory(40);
  }

  /** One {@code RustBuffer.ByValue}: a JNA Structure of 24 bytes. */
  @Benchmark
  public Object newRustBuffer() {
    return new RustBuffer.ByValue();
  }

  /** One {@code UniffiRustCallStatus}: made for every native call (it nests a RustBuffer). */
  @Benchmark
  public Object newCallStatus() {
    return new UniffiRustCallStatus();
  }

  /** A native call with its call status: uniffi's clone of the Request handle (and its free). */
  @Benchmark
  public void cloneAndFreeHandle() {
    long handle = request.uniffiCloneHandle();
    UniffiLib.INSTANCE.uniffi_vigil_uniffi_fn_free_request(handle, new UniffiRustCallStatus());
  }

  /** A uniffi method without arguments: the handle's clone, the call, two call statuses. */
  @Benchmark
  public boolean uniffiMethodNoArguments() throws FfiException {
    return request.isBlocked();
  }

  /**
   * {@link #uniffiMethodNoArguments}'s two native calls with one call status reused instead of two
   * new ones: what the status allocations cost.
   */
  @Benchmark
  public byte uniffiMethodNoArgumentsReusedStatus() {
    long clone = UniffiLib.INSTANCE.uniffi_vigil_uniffi_fn_clone_request(handle, status);
    return UniffiLib.INSTANCE.uniffi_vigil_uniffi_fn_method_request_is_blocked(clone, status);
  }

  /**
   * What a call without any JNA Structure costs: the identifiers encoded to UTF-8 and passed as a
   * Java array to a direct-mapped native function (libc's strnlen stands in for Vigil's).
   */
  @Benchmark
  public long jnaCallByteArray() {
    byte[] key = "email".getBytes(StandardCharsets.UTF_8);
    byte[] value = Bench.EMAIL.getBytes(StandardCharsets.UTF_8);
    byte[] ids = new byte[key.length + value.length + 2];
    System.arraycopy(key, 0, ids, 0, key.length);
    System.arraycopy(value, 0, ids, key.length + 1, value.length);
    return Libc.strnlen(ids, ids.length);
  }

  /**
   * The identifier list lowered into a RustBuffer (RustBuffer.alloc, a native call, then a UTF-8
   * encoder per string) and freed (another native call).
   */
  @Benchmark
  public void lowerIdsAndFree() {
    RustBuffer.ByValue buffer = FfiConverterSequenceString.INSTANCE.lower(IDS);
    RustBuffer.Companion.free$vigil_sdk(buffer);
  }

  /** The SDK's own Java work before the native call: the builder's list and the lambda. */
  @Benchmark
  public List<String> sdkBuilderList() {
    List<String> ids = new ArrayList<>(4);
    ids.add("email");
    ids.add(Bench.EMAIL);
    return ids;
  }

  @Benchmark
  public boolean ffiAuthTrack() throws FfiException {
    return request.authTrack(true, (byte) -1, IDS);
  }

  @Benchmark
  public boolean ffiSignupTrack() throws FfiException {
    return request.signupTrack(IDS);
  }

  @Benchmark
  public Object ffiIdentify() throws FfiException {
    return request.identify(IDS);
  }

  /** The SDK call the table shows, for reference in the same run as its parts. */
  @Benchmark
  public boolean sdkTrackLogin() {
    return Vigil.user().authKey("email", Bench.EMAIL).trackLogin(true);
  }
}
