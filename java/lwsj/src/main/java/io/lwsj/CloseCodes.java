package io.lwsj;

/** RFC 6455 section 7.4 close codes, and which of them an endpoint may send. */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int UNSUPPORTED_DATA = 1003;
    public static final int NO_STATUS = 1005;
    public static final int ABNORMAL = 1006;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int MESSAGE_TOO_BIG = 1009;
    public static final int MANDATORY_EXTENSION = 1010;
    public static final int INTERNAL_ERROR = 1011;

    private CloseCodes() {}

    /** Throws IllegalArgumentException unless code may be sent in a close frame. */
    public static void checkSendable(int code) {
        boolean ok = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011)
                || (code >= 3000 && code <= 4999);
        if (!ok) {
            throw new IllegalArgumentException("close code " + code
                    + " may not be sent (RFC 6455 7.4: 1000-1003, 1007-1011, 3000-4999)");
        }
    }
}
