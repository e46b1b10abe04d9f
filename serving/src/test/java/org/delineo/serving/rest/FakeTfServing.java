package org.delineo.serving.rest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for TF Serving's REST port on 127.0.0.1 (ephemeral port): records every request it
 * receives and answers with one canned status and body, optionally after a stall.
 */
final class FakeTfServing implements AutoCloseable {
  /** One request as the server saw it. */
  record Received(String method, String path, String contentType, String body) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Received> received = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile int status = 200;
  private volatile String body = "{}";
  private volatile boolean stall;

  FakeTfServing() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fake-tf-serving");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers every later request with this status and JSON body. */
  FakeTfServing respond(int status, String body) {
    this.status = status;
    this.body = body;
    return this;
  }

  /** Holds every later request (at most 2 s, or until close) before answering. */
  FakeTfServing stall() {
    this.stall = true;
    return this;
  }

  synchronized List<Received> received() {
    return List.copyOf(received);
  }

  /** The single request received; fails when there were none or several. */
  Received only() {
    List<Received> all = received();
    if (all.size() != 1) {
      throw new AssertionError("expected exactly one request, received " + all);
    }
    return all.get(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String requestBody =
        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    synchronized (this) {
      received.add(
          new Received(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              exchange.getRequestHeaders().getFirst("Content-Type"),
              requestBody));
    }
    if (stall) {
      try {
        release.await(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] out = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    try {
      exchange.sendResponseHeaders(status, out.length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(out);
      }
    } catch (IOException clientGone) {
      // the client timed out and closed the connection; nothing to answer
    } finally {
      exchange.close();
    }
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
