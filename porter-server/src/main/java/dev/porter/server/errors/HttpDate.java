package dev.porter.server.errors;

import io.netty.util.AsciiString;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} header value as an IMF-fixdate (RFC 9110 §5.6.7: {@code Mon, 07 Dec 2026 08:05:26 GMT}, a two-digit
 * day, English names), formatted at most once per second. Java's {@code RFC_1123_DATE_TIME} is not that format: it
 * prints a one-digit day.
 */
public final class HttpDate {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static volatile Cached cached = new Cached(0, "", AsciiString.EMPTY_STRING);

    /** The text twice: a String for whoever wants one, and bytes Netty's encoder copies whole into a response head. */
    private record Cached(long second, String text, AsciiString ascii) {
    }

    private HttpDate() {
    }

    public static String now() {
        return current().text;
    }

    /**
     * The same value as an {@link AsciiString}, for a response head: Netty's encoder writes an AsciiString with one
     * bulk copy, a String a character at a time, and validates it the same way.
     */
    public static AsciiString header() {
        return current().ascii;
    }

    private static Cached current() {
        long second = System.currentTimeMillis() / 1000;
        Cached current = cached;
        if (current.second != second) {
            String text = format(Instant.ofEpochSecond(second));
            current = new Cached(second, text, new AsciiString(text));
            cached = current;
        }
        return current;
    }

    /** The IMF-fixdate of an instant. */
    public static String format(Instant instant) {
        return IMF_FIXDATE.format(instant);
    }
}
