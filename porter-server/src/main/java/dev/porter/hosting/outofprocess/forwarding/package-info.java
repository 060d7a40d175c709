/**
 * The forwarding half of out-of-process hosting (spec/ancm-contract.md §1.4–§1.6): loopback HTTP/1.1 from the front
 * server to a backend process, the role WinHTTP plays for ANCM.
 *
 * <pre>
 * client channel (front server)                 backend channel (same event loop)
 *   ... -> ExchangeDispatcher -> Exchange  ==>  ProxyExchange  ==>  HttpRequestEncoder, BackendResponseDecoder
 *                                                                   -> BackendConnection
 *                                   clientToProxyRequest -> proxyToServerRequest (ProxyRequestHead, WirePath)
 *                                   proxyToClientResponse <- serverToProxyResponse (ProxyResponseHead)
 * after a 101 (WebSocket):  client: TunnelRelay  <==>  backend: TunnelRelay   (HTTP removed on both sides)
 * </pre>
 *
 * <p>{@link dev.porter.hosting.outofprocess.forwarding.Forwarder} is the entry point (one per backend process):
 * {@code send} reports a {@link dev.porter.hosting.outofprocess.forwarding.ForwardOutcome}, a value the sender decides
 * on (nothing here calls back into hosting); {@code BackendPool} keeps that backend's keep-alive proxy-to-server
 * connections ({@code BackendConnection}) per event loop; {@code ProxyExchange} is one forwarded request, its phase one
 * enum, its teardown one {@code finish}; {@code BadGatewayPage} and {@code ForwardingError} are the 502.3 answers.
 * "Connection" means a TCP connection, named by its leg (the client's, or a proxy-to-server one). All state lives on
 * event loops; nothing here locks or blocks.
 */
package dev.porter.hosting.outofprocess.forwarding;
