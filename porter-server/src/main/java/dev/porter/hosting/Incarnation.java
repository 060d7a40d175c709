package dev.porter.hosting;

import java.time.Instant;
import java.util.List;

/**
 * What one incarnation of an application says about itself for the admin endpoint: read through
 * {@link ApplicationHandler#describe()} at the moment the status page or a metrics scrape asks, never pushed.
 *
 * @param state one of {@link #STARTING}, {@link #RUNNING}, {@link #FAILED}, {@link #STOPPING}, {@link #IDLE}
 * @param processIds the processes serving now: the children out-of-process, Porter's own JVM in-process
 * @param runningSince when the oldest serving process (or app domain) became ready; null when none is
 * @param processStarts processes (or app domains) that became ready in this incarnation
 * @param startFailures starts that failed in this incarnation (out-of-process: each 502.5 start; in-process: 500.0,
 *     500.30 or 500.37)
 * @param lastFailure the last failure's text with its captured output (ANCM's event text), or null
 * @param lastFailureAt when it happened, or null
 */
public record Incarnation(String state, List<Long> processIds, Instant runningSince, long processStarts,
        long startFailures, String lastFailure, Instant lastFailureAt) {

    public static final String STARTING = "starting";
    public static final String RUNNING = "running";
    public static final String FAILED = "failed";
    public static final String STOPPING = "stopping";
    public static final String IDLE = "idle";

    public Incarnation {
        processIds = List.copyOf(processIds);
    }
}
