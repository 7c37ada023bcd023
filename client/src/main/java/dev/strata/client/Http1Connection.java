package dev.strata.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.util.Objects.requireNonNull;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Locale;

/**
 * One HTTP/1.1 connection to a node: writes a request, reads its response, and says whether the connection
 * may carry another request. Not thread-safe: {@link Http1Transport} lends it to one caller at a time.
 *
 * <p>Responses are framed by {@code Content-Length}, by {@code Transfer-Encoding: chunked}, or by the end of
 * the connection (then the connection is not reused); informational (1xx) responses are skipped. A status line
 * or header line longer than {@value #MAX_LINE_BYTES} bytes, a body longer than an array can hold, or any
 * other framing the client cannot follow is an {@link IOException} naming what was wrong, and the connection
 * is discarded.
 */
final class Http1Connection implements AutoCloseable {
    static final int MAX_LINE_BYTES = 64 << 10;
    /** Requests up to this size go to the socket in one write. */
    private static final int SINGLE_WRITE_BYTES = 64 << 10;
    private static final int MAX_HEADERS = 256;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[16 << 10];
    private int position;
    private int limit;
    private long idleSinceNanos;
    private boolean reusable = true;

    Http1Connection(Socket socket) throws IOException {
        this.socket = requireNonNull(socket, "socket is null");
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.idleSinceNanos = System.nanoTime();
    }

    /** The status and body of one response. */
    record Response(int status, byte[] body) {
        Response {
            requireNonNull(body, "body is null");
        }
    }

    /** Thrown when the connection ended before the first byte of a response: the request may not have been seen. */
    static final class NoResponseException extends EOFException {
        NoResponseException(String message) {
            super(message);
        }
    }

    /**
     * Sends {@code head} (the request line and headers, ending with an empty line) and {@code body}, and reads
     * the response.
     */
    Response exchange(byte[] head, byte[] body) throws IOException {
        reusable = false; // until the whole response has been read
        if (body.length == 0) {
            out.write(head);
        } else if (head.length + body.length <= SINGLE_WRITE_BYTES) {
            byte[] request = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, request, head.length, body.length);
            out.write(request);
        } else {
            out.write(head);
            out.write(body);
        }
        out.flush();
        Response response = readResponse();
        idleSinceNanos = System.nanoTime();
        return response;
    }

    /** Whether the last response left the connection able to carry another request. */
    boolean reusable() {
        return reusable;
    }

    long idleNanos() {
        return System.nanoTime() - idleSinceNanos;
    }

    /**
     * Whether the node closed this idle connection (or sent something unasked): waits at most a millisecond
     * for a byte that should not come.
     */
    boolean closedByPeer(int readTimeoutMillis) {
        if (position < limit) {
            return true;
        }
        try {
            socket.setSoTimeout(1);
            try {
                in.read(); // a byte nobody asked for, or the end of the stream: either way not reusable
                return true;
            } finally {
                socket.setSoTimeout(readTimeoutMillis);
            }
        } catch (SocketTimeoutException alive) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private Response readResponse() throws IOException {
        if (!fill()) {
            throw new NoResponseException("the node closed the connection before answering");
        }
        while (true) {
            String statusLine = readLine("status line");
            int status = parseStatus(statusLine);
            boolean chunked = false;
            long contentLength = -1;
            boolean close = statusLine.startsWith("HTTP/1.0");
            for (int count = 0; ; count++) {
                String line = readLine("header line");
                if (line.isEmpty()) {
                    break;
                }
                if (count == MAX_HEADERS) {
                    throw new IOException("the response has more than " + MAX_HEADERS + " header lines");
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("malformed response header line '" + line + "'");
                }
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    try {
                        contentLength = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("malformed Content-Length '" + value + "'", e);
                    }
                    if (contentLength < 0) {
                        throw new IOException("negative Content-Length " + contentLength);
                    }
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                    if (!chunked) {
                        throw new IOException("unsupported Transfer-Encoding '" + value + "'");
                    }
                } else if (name.equalsIgnoreCase("Connection")) {
                    String lower = value.toLowerCase(Locale.ROOT);
                    if (lower.contains("close")) {
                        close = true;
                    } else if (lower.contains("keep-alive")) {
                        close = false;
                    }
                }
            }
            if (status >= 100 && status < 200) {
                continue; // 100 Continue and the like: the real response follows
            }
            byte[] body;
            if (status == 204 || status == 304) {
                body = new byte[0];
            } else if (chunked) {
                body = readChunked();
            } else if (contentLength >= 0) {
                if (contentLength > Integer.MAX_VALUE - 8) {
                    throw new IOException("response body of " + contentLength + " bytes is too large");
                }
                body = readFully((int) contentLength);
            } else {
                body = readToEnd();
                close = true;
            }
            reusable = !close;
            return new Response(status, body);
        }
    }

    private static int parseStatus(String line) throws IOException {
        // HTTP/1.1 200 OK
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
            throw new IOException("malformed status line '" + line + "'");
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new IOException("malformed status line '" + line + "'");
            }
            status = status * 10 + (c - '0');
        }
        return status;
    }

    private byte[] readChunked() throws IOException {
        byte[] body = new byte[0];
        int size = 0;
        while (true) {
            String line = readLine("chunk size");
            int semicolon = line.indexOf(';');
            String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
            long chunk;
            try {
                chunk = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size '" + line + "'", e);
            }
            if (chunk < 0 || size + chunk > Integer.MAX_VALUE - 8) {
                throw new IOException("chunked response body too large or malformed chunk size '" + line + "'");
            }
            if (chunk == 0) {
                while (!readLine("trailer line").isEmpty()) {
                    // trailers are not used
                }
                return size == body.length ? body : Arrays.copyOf(body, size);
            }
            if (size + chunk > body.length) {
                body = Arrays.copyOf(body, (int) Math.max(size + chunk, Math.min(Integer.MAX_VALUE - 8, body.length * 2L)));
            }
            readInto(body, size, (int) chunk);
            size += (int) chunk;
            if (!readLine("chunk end").isEmpty()) {
                throw new IOException("a chunk is longer than its size " + chunk);
            }
        }
    }

    private byte[] readFully(int length) throws IOException {
        byte[] body = new byte[length];
        readInto(body, 0, length);
        return body;
    }

    private void readInto(byte[] target, int offset, int length) throws IOException {
        int buffered = Math.min(limit - position, length);
        System.arraycopy(buffer, position, target, offset, buffered);
        position += buffered;
        int done = buffered;
        while (done < length) {
            int read = in.read(target, offset + done, length - done);
            if (read < 0) {
                throw new EOFException("the node closed the connection after " + done + " of " + length + " body bytes");
            }
            done += read;
        }
    }

    private byte[] readToEnd() throws IOException {
        byte[] rest = in.readAllBytes();
        byte[] body = Arrays.copyOf(Arrays.copyOfRange(buffer, position, limit), limit - position + rest.length);
        System.arraycopy(rest, 0, body, limit - position, rest.length);
        position = limit;
        return body;
    }

    /** A line without its CRLF (or LF), in ISO-8859-1. */
    private String readLine(String what) throws IOException {
        StringBuilder spill = null;
        while (true) {
            for (int i = position; i < limit; i++) {
                if (buffer[i] == '\n') {
                    int end = i > position && buffer[i - 1] == '\r' ? i - 1 : i;
                    String part = new String(buffer, position, end - position, ISO_8859_1);
                    position = i + 1;
                    if (spill == null) {
                        return part;
                    }
                    spill.append(part);
                    int length = spill.length();
                    if (length > 0 && spill.charAt(length - 1) == '\r') {
                        spill.setLength(length - 1);
                    }
                    return spill.toString();
                }
            }
            if (spill == null) {
                spill = new StringBuilder();
            }
            spill.append(new String(buffer, position, limit - position, ISO_8859_1));
            position = limit;
            if (spill.length() > MAX_LINE_BYTES) {
                throw new IOException("response " + what + " longer than " + MAX_LINE_BYTES + " bytes");
            }
            if (!fill()) {
                throw new EOFException("the node closed the connection in the middle of a response " + what);
            }
        }
    }

    /** Reads more bytes into the empty buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (position < limit) {
            return true;
        }
        int read = in.read(buffer, 0, buffer.length);
        if (read < 0) {
            return false;
        }
        position = 0;
        limit = read;
        return true;
    }

    @Override
    public void close() {
        reusable = false;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a socket we no longer use: nothing to recover
        }
    }
}
