package dev.vigil.sdk;

import java.util.Optional;

/**
 * The client's counters.
 *
 * @param queued events waiting to be sent
 * @param enqueued events accepted since start
 * @param dropped events dropped (queue full, or refused by the server)
 * @param sent events the server acknowledged
 * @param batchesSent batches the server acknowledged
 * @param retried batch retries
 * @param failedBatches batches given up on
 * @param failedEvents events in those batches
 * @param decisionPolls decision-feed polls answered
 * @param decisions decisions held
 * @param ipMap entries of the IP-to-user map
 * @param lastError the last delivery error, if any
 * @param local true in local mode (no server URL: the engine runs in this process)
 */
public record Stats(
    long queued,
    long enqueued,
    long dropped,
    long sent,
    long batchesSent,
    long retried,
    long failedBatches,
    long failedEvents,
    long decisionPolls,
    long decisions,
    long ipMap,
    Optional<String> lastError,
    boolean local) {

  static Stats of(dev.vigil.sdk.ffi.Stats s) {
    return new Stats(
        s.getQueued(),
        s.getEnqueued(),
        s.getDropped(),
        s.getSent(),
        s.getBatchesSent(),
        s.getRetried(),
        s.getFailedBatches(),
        s.getFailedEvents(),
        s.getDecisionPolls(),
        s.getDecisions(),
        s.getIpMap(),
        Optional.ofNullable(s.getLastError()),
        s.getLocal());
  }
}
