package dev.porter.server;

/**
 * Who the front server authenticated for an exchange. Forwarded to out-of-process apps as {@code MS-ASPNETCORE-USER}
 * and {@code MS-ASPNETCORE-AUTH-TYPE}; an in-process app gets it as the exchange's principal.
 *
 * @param name the user name as the client gave it
 * @param authenticationType the scheme: {@code Basic} (later {@code Negotiate})
 * @param realm the realm the credentials were checked in (Basic's {@code realm})
 */
public record AuthenticatedUser(String name, String authenticationType, String realm) {
}
