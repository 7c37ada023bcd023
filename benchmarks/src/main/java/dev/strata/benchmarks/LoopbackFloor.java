package dev.strata.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The machine's own floor for one synchronous caller over loopback: a request of {@link #REQUEST_BYTES} and a
 * response of {@link #RESPONSE_BYTES} (about a get-page's) through blocking {@link Socket}s, with no HTTP and no
 * engine, the server on a platform thread or on a virtual thread (as Helidon's connection handlers always are).
 * A diagnostic for workload 8's log: what any server of that shape can do here with one caller.
 */
final class LoopbackFloor {
    static final int REQUEST_BYTES = 200;
    static final int RESPONSE_BYTES = 8_192 + 256;

    private LoopbackFloor() {
    }

    /** Round trips for {@code seconds} (after a warm-up) with the server on a virtual or a platform thread. */
    static Driver.ReadResult measure(boolean virtualServer, double seconds, long seed) throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Runnable serve = () -> {
                try (Socket socket = listener.accept()) {
                    socket.setTcpNoDelay(true);
                    InputStream in = socket.getInputStream();
                    OutputStream out = socket.getOutputStream();
                    byte[] request = new byte[REQUEST_BYTES];
                    byte[] response = new byte[RESPONSE_BYTES];
                    while (in.readNBytes(request, 0, REQUEST_BYTES) == REQUEST_BYTES) {
                        out.write(response);
                    }
                } catch (IOException ignored) {
                    // the caller closed its end: done
                }
            };
            Thread server = virtualServer ? Thread.ofVirtual().start(serve) : Thread.ofPlatform().daemon().start(serve);
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] request = new byte[REQUEST_BYTES];
                byte[] response = new byte[RESPONSE_BYTES];
                Driver.ReadOp roundTrip = random -> {
                    out.write(request);
                    if (in.readNBytes(response, 0, RESPONSE_BYTES) != RESPONSE_BYTES) {
                        throw new IOException("the loopback server closed the connection");
                    }
                };
                Driver.read(roundTrip, 1, Math.min(0.5, seconds), seed);
                return Driver.read(roundTrip, 1, seconds, seed + 1);
            } finally {
                try {
                    server.join(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
