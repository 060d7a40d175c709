/**
 * Who the client is when Porter sits behind a load balancer: the PROXY protocol header a balancer such as HAProxy
 * sends first on each connection ({@link dev.porter.server.peer.ProxyProtocolHandler}), and the one place that
 * answers "which address is the client's" for a connection ({@link dev.porter.server.peer.ClientAddress}).
 */
package dev.porter.server.peer;
