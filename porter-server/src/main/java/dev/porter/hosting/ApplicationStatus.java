package dev.porter.hosting;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one configured application across its incarnations, for the admin endpoint's status page and
 * metrics. Counters add up every incarnation since Porter started (a recycle does not reset them).
 *
 * @param name ANCM's name for it: {@code MACHINE/WEBROOT/APPHOST/<site>[/<path>]}
 * @param hostingModel {@code inprocess} or {@code outofprocess}; empty until its web.config was first read
 * @param state {@code not started} (no request yet, as ANCM: apps start on their first request), {@code offline}
 *     (app_offline.htm), {@code configuration error}, {@code stopped} (Porter is stopping), or an
 *     {@link Incarnation} state
 * @param restarts processes (or app domains) started after the first one, whatever the reason (crash, recycle)
 */
public record ApplicationStatus(String siteName, long siteId, String path, String name, Path physicalPath,
        String hostingModel, String state, List<Long> processIds, Instant runningSince, long processStarts,
        long restarts, long startFailures, String lastFailure, Instant lastFailureAt) {

    public static final String NOT_STARTED = "not started";
    public static final String OFFLINE = "offline";
    public static final String CONFIGURATION_ERROR = "configuration error";
    public static final String STOPPED = "stopped";

    public ApplicationStatus {
        processIds = List.copyOf(processIds);
    }
}
