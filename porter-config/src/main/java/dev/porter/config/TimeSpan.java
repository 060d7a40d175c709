package dev.porter.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IIS's timeSpan attribute format: {@code [d.]hh:mm:ss[.fffffff]}, as used by {@code requestTimeout} and the
 * {@code webLimits} timeouts. Without a day part the hours may exceed 23 ({@code 360:00:00}, the way ANCM's
 * documentation writes the {@code requestTimeout} maximum); with one they may not. Negative spans are refused: the
 * schemas Porter reads never allow them.
 */
public final class TimeSpan {

    private static final Pattern FORMAT =
            Pattern.compile("^(?:(\\d{1,8})\\.)?(\\d{1,6}):(\\d{1,2}):(\\d{1,2})(?:\\.(\\d{1,7}))?$");

    private TimeSpan() {
    }

    public static Duration parse(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a time span: '" + text + "'");
        }
        long days = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long hours = Long.parseLong(m.group(2));
        int minutes = Integer.parseInt(m.group(3));
        int seconds = Integer.parseInt(m.group(4));
        if ((m.group(1) != null && hours > 23) || minutes > 59 || seconds > 59) {
            throw new IllegalArgumentException("not a time span: '" + text + "'");
        }
        Duration result = Duration.ofDays(days).plusHours(hours).plusMinutes(minutes).plusSeconds(seconds);
        if (m.group(5) != null) {
            String fraction = (m.group(5) + "0000000").substring(0, 7);
            result = result.plusNanos(Long.parseLong(fraction) * 100);
        }
        return result;
    }

    /** Formats as IIS writes it: {@code hh:mm:ss}, with a day part when needed. */
    public static String format(Duration d) {
        long days = d.toDays();
        String time = String.format("%02d:%02d:%02d", d.toHoursPart(), d.toMinutesPart(), d.toSecondsPart());
        return days == 0 ? time : days + "." + time;
    }

    /** Formats as hours: {@code 360:00:00}. */
    public static String formatHours(Duration d) {
        return String.format("%02d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
