package dev.porter.hosting;

import java.time.Instant;

/**
 * An overlapped recycle whose new incarnation failed to start, so that the old one kept serving (what a status page
 * shows next to the application): when it was seen, and the start failure's text as the log has it.
 *
 * @param at when the start failed
 * @param message the start failure (ANCM's event text out-of-process, the 500.30/500.0 reason in-process)
 */
public record RecycleFailure(Instant at, String message) {
}
