/**
 * Porter's Servlet host: Servlet applications (WARs, Spring Boot jars) in-process, on Jetty 12.1 core + ee11
 * (Servlet 6.1), with no socket and no second HTTP parse.
 *
 * <h2>Layering</h2>
 * This module is loaded by porter-server ({@code dev.porter.hosting.servlet.ServletHostLayer}) in a class-loader layer
 * of its own — {@code servlet-host/} next to {@code porter-server.jar}: this jar, Jetty's, the Servlet API, the SPI
 * and the integration library — whose parent is Porter's loader, found with {@code ServiceLoader}
 * ({@link dev.porter.hosting.servlet.PorterServletHosting}). The front server and JDK-API apps never load a Jetty
 * class. In tests everything is on one class path and the same lookup finds the host there.
 *
 * <h2>The seam</h2>
 * {@link dev.porter.hosting.servlet.PorterHttpStream} is Porter's implementation of Jetty's {@code HttpStream} (the
 * interface Jetty's HTTP/2, HTTP/3 and FastCGI transports implement) over the front server's {@code Exchange}; the
 * request's connection is a {@link dev.porter.hosting.servlet.PorterConnectionMetaData}; each application has its own
 * Jetty {@code Server} whose {@link dev.porter.hosting.servlet.PorterConnector} never accepts. Bodies:
 * {@link dev.porter.hosting.servlet.RequestChunks} (zero-copy chunks, pause at 128 KiB, resume below 32 KiB);
 * responses go back through {@code Exchange.writeHead/writeContent}, callbacks completing when Netty wrote them.
 * {@link dev.porter.hosting.servlet.PorterIdentity} hands over the front server's user and TLS facts.
 *
 * <h2>App shapes</h2>
 * {@link dev.porter.hosting.servlet.WarDeployment} ({@code -war}: a WebAppContext with annotations and SCI scanning);
 * {@link dev.porter.hosting.servlet.BootDeployment} (a Spring Boot jar read by {@link dev.porter.hosting.servlet.BootJar}
 * into a shadow copy, {@code main} run with the app domain's class loader, the starter deploying
 * through {@code dev.porter.servlet.spi.PorterServletHost}); {@link dev.porter.hosting.servlet.WarRunner}, the same
 * WAR out-of-process. {@link dev.porter.hosting.servlet.ServletApplication} is the lifecycle all shapes share, one
 * incarnation; {@link dev.porter.hosting.servlet.ServletAppHandler} starts a fresh one after {@code System.exit}.
 *
 * <h2>App domains</h2>
 * Each incarnation runs in a {@code dev.porter.hosting.inprocess.ServletAppDomain}, the same machinery JDK-API apps
 * have: the app's classes (a WAR's through {@link dev.porter.hosting.servlet.WarClassLoader}, a Boot jar's through the
 * domain's loader) are rewritten so that {@code System.getenv}, {@code System.exit}, system properties,
 * {@code System.out/err} and shutdown hooks are the app's own. Jetty's and Porter's classes are not rewritten.
 *
 * <h2>Upgrades</h2>
 * A 101 (Jakarta WebSocket's handshake) is held until Jetty completes the exchange, then written by
 * {@code Exchange.upgrade}; the raw channel is bound to the request's {@link dev.porter.hosting.servlet.PorterEndPoint},
 * on which Jetty built its WebSocket connection. Upgraded connections are closed when the app stops.
 *
 * <h2>Not yet</h2>
 * WebSocket over HTTP/2 (RFC 8441).
 */
package dev.porter.hosting.servlet;
