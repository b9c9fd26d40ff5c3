package org.outboxrelay.http;

/**
 * One answer of the HTTP API: status, media type and body (JSON text), plus the {@code Location} of the job's
 * status for a job just accepted (else null). The route {@code http-respond} writes it.
 */
public record ApiReply(int status, String contentType, String body, String location) {

    public static final String JSON = "application/json";
    public static final String PROBLEM = "application/problem+json";

    public static ApiReply json(int status, String body) {
        return new ApiReply(status, JSON, body, null);
    }
}
