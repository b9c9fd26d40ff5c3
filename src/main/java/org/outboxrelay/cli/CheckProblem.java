package org.outboxrelay.cli;

import java.nio.file.Path;

/**
 * One problem {@code check} found, printed like a compiler's: {@code FILE:LINE: message}, or {@code WHERE: message}
 * when there is no line (a setting from the environment, a file that cannot be read).
 */
record CheckProblem(String where, int line, String message) {

    static CheckProblem at(String where, int line, String message) {
        return new CheckProblem(where, line, message);
    }

    static CheckProblem at(String where, String message) {
        return new CheckProblem(where, 0, message);
    }

    /** A file as the integrator knows it: relative to the relay's folder when it is inside it. */
    static String shown(Path home, Path file) {
        Path absoluteHome = home.toAbsolutePath().normalize();
        Path absolute = file.toAbsolutePath().normalize();
        Path relative = absolute.startsWith(absoluteHome) ? absoluteHome.relativize(absolute) : absolute;
        return relative.toString().replace('\\', '/');
    }

    @Override
    public String toString() {
        return where + (line > 0 ? ":" + line : "") + ": " + message;
    }
}
