package dev.porter.hosting.outofprocess.forwarding;

/**
 * Why a forward failed, with the WinHTTP error code and text ANCM would report for it (spec/ancm-contract.md §1.5), so
 * a 502.3 page reads the same as under IIS ({@code 0x80072ee2} for a timeout and so on).
 */
public enum ForwardingError {
    TIMEOUT(0x80072ee2, "The operation timed out"),
    CANNOT_CONNECT(0x80072efd, "A connection with the server could not be established"),
    CONNECTION_ERROR(0x80072efe, "The connection with the server was terminated abnormally"),
    INVALID_RESPONSE(0x80072f78, "The server returned an invalid or unrecognized response"),
    SHUTTING_DOWN(0x80072ef0, "The operation has been canceled");

    private final int code;
    private final String text;

    ForwardingError(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /** {@code 0x80072ee2}: the code as IIS pages print it. */
    public String code() {
        return String.format("0x%08x", code);
    }

    public String text() {
        return text;
    }
}
