package dev.porter.server.log;

import dev.porter.server.AccessLog;
import dev.porter.server.Exchange;
import dev.porter.server.RequestTarget;
import dev.porter.server.peer.ClientAddress;
import dev.porter.config.ServerConfig;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The W3C extended access log, IIS's default format and file layout, for each site whose {@code <logFile>} is enabled:
 * {@code <directory>/W3SVC<siteId>/u_ex<yyMMdd>.log}, a new file each UTC day (or hour, week, month, or
 * {@code truncateSize} bytes: {@link SiteLog}), a {@code #Software/#Version/#Date/
 * #Fields} header whenever a file is opened, and IIS's default fields:
 * {@code date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer)
 * sc-status sc-substatus sc-win32-status time-taken} (UTC; spaces in a field become {@code +}, an empty field is
 * {@code -}; {@code cs-uri-stem} is the decoded, normalised path IIS routes on, {@code cs-uri-query} the query as sent;
 * {@code sc-win32-status} is 64, "the specified network name is no longer available", when the client went away
 * before the response was complete, as in IIS; {@code sc-status} is 0 when no response head was sent at all).
 *
 * <p>Threading: {@link #completed} and {@link #rejected} run on event loops and never block: each builds its line and
 * hands it to one writer thread through a bounded lock-free queue, waking the writer only when it sleeps. When the
 * writer falls behind (a slow disk, no CPU), lines beyond {@link #CAPACITY} are dropped and counted, and the
 * writer reports the count in the server log. The writer formats the date fields once per second and flushes whenever
 * the queue runs empty, so a line reaches the file within milliseconds of its request.
 *
 * <p>Requests the front server refuses before routing (IIS leaves most of those to http.sys's HTTPERR log) are written
 * to the log of the site their local port and {@code Host} select, when that is one site.
 */
public final class W3cAccessLog implements AccessLog, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(W3cAccessLog.class);

    private static final int CAPACITY = 65_536; // ~1 s of lines at 60k req/s if the writer is starved of CPU
    private static final String FIELDS = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
            + "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";
    private static final int WIN32_NETNAME_DELETED = 64;
    private static final int MAX_URI_CHARS = 4096;

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyMMdd");
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** One line on its way to a file: the date/time fields are formatted by the writer, off the event loop. */
    private record Entry(SiteLog site, long epochMillis, String fields) {
    }

    private final List<ServerConfig.Site> allSites;
    private final Map<Long, SiteLog> logsBySiteId;
    private final Queue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean writerParked = new AtomicBoolean();
    private final InstantSource clock;
    private final String software;
    private final Thread writer;
    private volatile boolean closing;
    private long droppedReported;

    private W3cAccessLog(List<ServerConfig.Site> allSites, Map<Long, SiteLog> logsBySiteId, InstantSource clock) {
        this.allSites = List.copyOf(allSites);
        this.logsBySiteId = Map.copyOf(logsBySiteId);
        this.clock = clock;
        String version = W3cAccessLog.class.getPackage().getImplementationVersion();
        this.software = "Porter " + (version == null ? "development build" : version);
        this.writer = Thread.ofPlatform().name("porter-access-log").daemon().start(this::writeLoop);
    }

    /**
     * The access log of these sites, or {@link AccessLog#NONE} when none enables {@code <logFile>}.
     *
     * @param clock the wall clock that dates the lines and picks their file (the context's:
     *     {@code ServerEnvironment.wallClock()}, the system's unless the embedder gives another)
     */
    public static AccessLog forSites(List<ServerConfig.Site> sites, InstantSource clock) {
        Map<Long, SiteLog> logs = new HashMap<>();
        for (ServerConfig.Site site : sites) {
            if (site.logFile().enabled()) {
                logs.put(site.id(), new SiteLog(site.logFile().directory().resolve("W3SVC" + site.id()),
                        site.logFile()));
            }
        }
        return logs.isEmpty() ? AccessLog.NONE : new W3cAccessLog(sites, logs, clock);
    }

    // ---- event loop side -------------------------------------------------------------------------------------------

    @Override
    public void completed(Channel channel, Exchange exchange) {
        SiteLog site = logsBySiteId.get(exchange.site().id());
        if (site == null) {
            return;
        }
        RequestTarget target = exchange.target();
        long millis = (System.nanoTime() - exchange.startNanos()) / 1_000_000;
        int status = exchange.status();
        int win32 = exchange.isAborted() ? WIN32_NETNAME_DELETED : 0;
        enqueue(site, clock.millis(), fields(exchange.localAddress(), exchange.request(),
                target.cookedPath(), target.rawQuery().orElse(""), exchange.remoteAddress(), status,
                exchange.subStatus(), win32, millis));
    }

    @Override
    public void rejected(Channel channel, HttpRequest request, int status) {
        if (!(channel.localAddress() instanceof InetSocketAddress local)) {
            return;
        }
        SiteLog site = siteFor(local, request.headers().get(HttpHeaderNames.HOST));
        if (site == null) {
            return;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        enqueue(site, clock.millis(), fields(local, request, q < 0 ? uri : uri.substring(0, q),
                q < 0 ? "" : uri.substring(q + 1), ClientAddress.of(channel), status, 0, 0, 0));
    }

    /** Hands a line to the writer; never blocks. */
    private void enqueue(SiteLog site, long epochMillis, String fields) {
        if (closing) {
            return;
        }
        if (queued.incrementAndGet() > CAPACITY) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        queue.add(new Entry(site, epochMillis, fields));
        // Wake the writer only if it is (about to be) asleep: a busy server pays one volatile read per line, not a
        // wake-up. The writer announces itself before its last look at the queue, so a line added in between is
        // either seen by that look or followed by this unpark.
        if (writerParked.get() && writerParked.compareAndSet(true, false)) {
            LockSupport.unpark(writer);
        }
    }

    /** The site a refused request was addressed to: the most specific matching binding, as the router picks it. */
    private SiteLog siteFor(InetSocketAddress local, String hostHeader) {
        String host = hostHeader == null ? "" : hostHeader;
        int colon = host.startsWith("[") ? host.indexOf(':', host.indexOf(']')) : host.lastIndexOf(':');
        if (colon >= 0) {
            host = host.substring(0, colon);
        }
        ServerConfig.Site best = null;
        int bestScore = -1;
        boolean tie = false;
        for (ServerConfig.Site site : allSites) {
            for (ServerConfig.Binding b : site.bindings()) {
                boolean portMatches = b.port() == 0 || b.port() == local.getPort();
                boolean hostMatches = b.anyHost() || b.hostName().equalsIgnoreCase(host);
                if (!portMatches || !hostMatches
                        || (!b.anyAddress() && !sameAddress(b.address(), local.getAddress()))) {
                    continue;
                }
                int score = (b.anyHost() ? 0 : 4) + (b.anyAddress() ? 0 : 2) + (b.port() == 0 ? 0 : 1);
                if (score > bestScore) {
                    best = site;
                    bestScore = score;
                    tie = false;
                } else if (score == bestScore && !site.equals(best)) {
                    tie = true;
                }
            }
        }
        return best == null || tie ? null : logsBySiteId.get(best.id());
    }

    private static boolean sameAddress(String configured, InetAddress actual) {
        try {
            return InetAddress.getByName(configured).equals(actual); // a literal: no lookup
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** Everything after {@code date time}, IIS's default field order. */
    private static String fields(InetSocketAddress local, HttpRequest request, String stem, String query,
            SocketAddress remote, int status, int subStatus, int win32, long millis) {
        StringBuilder line = new StringBuilder(160);
        appendAddress(line, local).append(' ');
        field(line, request.method().name()).append(' ');
        field(line, stem.length() > MAX_URI_CHARS ? stem.substring(0, MAX_URI_CHARS) : stem).append(' ');
        field(line, query.length() <= MAX_URI_CHARS ? query : query.substring(0, MAX_URI_CHARS))
                .append(' ');
        line.append(local == null ? 0 : local.getPort()).append(' ');
        line.append('-').append(' '); // cs-username: no authentication yet
        appendAddress(line, remote instanceof InetSocketAddress r ? r : null).append(' ');
        field(line, request.headers().get(HttpHeaderNames.USER_AGENT)).append(' ');
        field(line, request.headers().get(HttpHeaderNames.REFERER)).append(' ');
        line.append(status).append(' ').append(subStatus).append(' ').append(win32).append(' ').append(millis);
        return line.toString();
    }

    private static StringBuilder appendAddress(StringBuilder line, InetSocketAddress address) {
        if (address == null || address.getAddress() == null) {
            return line.append('-');
        }
        return line.append(address.getAddress().getHostAddress());
    }

    /** IIS's field encoding: empty is {@code -}, a space (or any control character) is {@code +}. */
    private static StringBuilder field(StringBuilder line, String value) {
        if (value == null || value.isEmpty()) {
            return line.append('-');
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            line.append(c <= ' ' || c == 0x7f ? '+' : c);
        }
        return line;
    }

    // ---- writer thread ---------------------------------------------------------------------------------------------

    private void writeLoop() {
        while (true) {
            Entry entry = queue.poll();
            if (entry == null) {
                flushAll();
                reportDrops();
                if (closing && queue.isEmpty()) {
                    break;
                }
                writerParked.set(true);
                if (queue.isEmpty() && !closing) {
                    LockSupport.parkNanos(this, TimeUnit.SECONDS.toNanos(1));
                }
                writerParked.set(false);
                continue;
            }
            queued.decrementAndGet();
            entry.site().write(entry, software);
        }
        for (SiteLog site : logsBySiteId.values()) {
            site.close();
        }
    }

    private void flushAll() {
        for (SiteLog site : logsBySiteId.values()) {
            site.flush();
        }
    }

    private void reportDrops() {
        long now = dropped.get();
        if (now != droppedReported) {
            LOG.warn("Access log: {} line(s) dropped because the log writer fell behind (queue of {} lines full); "
                    + "{} dropped since start", now - droppedReported, CAPACITY, now);
            droppedReported = now;
        }
    }

    /** Writes what is queued, then closes the files. Lines offered after this are not written. */
    @Override
    public void close() {
        closing = true;
        if (!writer.isAlive()) {
            return;
        }
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One site's files, rolled over as IIS rolls them ({@code <logFile period truncateSize localTimeRollover>}):
     * {@code u_exyyMMddHH.log} hourly, {@code u_exyyMMdd.log} daily (the default), {@code u_exyyMMWW.log} weekly (WW:
     * the week of the month, weeks starting on Sunday), {@code u_exyyMM.log} monthly, and with {@code MaxSize}
     * {@code u_extend1.log}, {@code u_extend2.log}... each up to {@code truncateSize} bytes (after a restart, the
     * highest-numbered file is continued while it has room). Periods follow UTC unless {@code localTimeRollover}; the
     * time fields in the lines are UTC either way. Like IIS, Porter deletes no old access log.
     * Used by the writer thread only.
     */
    private static final class SiteLog {
        private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyMMddHH");
        private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyMM");
        private static final java.time.temporal.TemporalField WEEK_OF_MONTH =
                java.time.temporal.WeekFields.SUNDAY_START.weekOfMonth();
        private static final java.util.regex.Pattern EXTEND =
                java.util.regex.Pattern.compile("u_extend(\\d{1,9})\\.log");

        private final Path directory;
        private final ServerConfig.LogFile config;
        private final java.time.ZoneId zone;
        private String fileName;
        private Writer out;
        private boolean failed;
        private long written;
        private int extendIndex;
        private long cachedSecond = Long.MIN_VALUE;
        private String cachedDateTime;
        private String cachedName;

        SiteLog(Path directory, ServerConfig.LogFile config) {
            this.directory = directory;
            this.config = config;
            this.zone = config.localTimeRollover() ? java.time.ZoneId.systemDefault() : ZoneOffset.UTC;
        }

        /** The file a line written at this second belongs to (not for MaxSize, which goes by size). */
        String fileNameFor(long epochSecond) {
            java.time.ZonedDateTime at = Instant.ofEpochSecond(epochSecond).atZone(zone);
            return switch (config.period()) {
                case HOURLY -> "u_ex" + HOUR.format(at) + ".log";
                case DAILY -> "u_ex" + DAY.format(at) + ".log";
                case WEEKLY -> "u_ex" + MONTH.format(at) + String.format("%02d", at.get(WEEK_OF_MONTH)) + ".log";
                case MONTHLY -> "u_ex" + MONTH.format(at) + ".log";
                case MAX_SIZE -> null;
            };
        }

        void write(Entry entry, String software) {
            long second = Math.floorDiv(entry.epochMillis(), 1000);
            if (second != cachedSecond) {
                // Lines come in bursts within the same second: format the date fields once per second.
                Instant at = Instant.ofEpochSecond(second);
                cachedDateTime = DATE_TIME.format(at.atOffset(ZoneOffset.UTC));
                cachedName = fileNameFor(second);
                cachedSecond = second;
            }
            String dateTime = cachedDateTime;
            String name = config.period() == ServerConfig.LogFile.Period.MAX_SIZE ? maxSizeName() : cachedName;
            try {
                if (out == null || !name.equals(fileName)) {
                    open(name, dateTime, software);
                }
                out.write(dateTime);
                out.write(' ');
                out.write(entry.fields());
                out.write("\r\n");
                written += dateTime.length() + entry.fields().length() + 3L;
            } catch (IOException e) {
                if (!failed) {
                    LOG.warn("Access log: cannot write to {}: {}; lines for this site are lost until it works",
                            directory.resolve(name), e.toString());
                    failed = true;
                }
                close();
            }
        }

        /** MaxSize: the current {@code u_extendN.log}, the next one once this one reached truncateSize. */
        private String maxSizeName() {
            if (extendIndex == 0) {
                extendIndex = 1;
                try (java.util.stream.Stream<Path> files = Files.list(directory)) {
                    extendIndex = files.map(p -> EXTEND.matcher(p.getFileName().toString()))
                            .filter(java.util.regex.Matcher::matches).mapToInt(m -> Integer.parseInt(m.group(1)))
                            .max().orElse(1);
                } catch (IOException e) {
                    // no directory yet: the first file
                }
                try {
                    written = Files.size(directory.resolve("u_extend" + extendIndex + ".log"));
                } catch (IOException e) {
                    written = 0;
                }
            }
            if (written >= config.truncateSize()) {
                extendIndex++;
                written = 0;
            }
            return "u_extend" + extendIndex + ".log";
        }

        private void open(String name, String dateTime, String software) throws IOException {
            close();
            Files.createDirectories(directory);
            Path file = directory.resolve(name);
            out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
                    StandardCharsets.UTF_8), 64 * 1024);
            fileName = name;
            if (config.period() != ServerConfig.LogFile.Period.MAX_SIZE) {
                written = Files.size(file);
            }
            failed = false;
            String header = "#Software: " + software + "\r\n#Version: 1.0\r\n#Date: " + dateTime + "\r\n#Fields: "
                    + FIELDS + "\r\n";
            out.write(header);
            written += header.length();
        }

        void flush() {
            if (out != null) {
                try {
                    out.flush();
                } catch (IOException e) {
                    close();
                }
            }
        }

        void close() {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    // the file is gone or the disk is full; nothing more to do for it
                }
                out = null;
                fileName = null;
            }
        }
    }
}
