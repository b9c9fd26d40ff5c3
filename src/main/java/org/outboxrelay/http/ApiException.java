package org.outboxrelay.http;

/**
 * A request the API refuses for a reason that is not a field of a job: an unknown job id or dead letter (404), a
 * batch that is too large (413), a content type it does not take (415), an admin call on every dead letter
 * without {@code all=true} (400), a broker the admin calls cannot reach (503). Answered as
 * {@code application/problem+json}.
 */
public class ApiException extends Exception {

    private final int status;

    public ApiException(int status, String detail) {
        super(detail);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
