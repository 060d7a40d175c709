#!/usr/bin/env python3
"""Writes porter-server/src/test/resources/reliability/hostile-requests.txt, the hostile request corpus that
HostileCorpusTest replays. The file is the source of truth (reviewed, committed); this script only saves typing when
cases are added: edit the lists, run it, review the diff.

Line format:  category | name | expectation | raw request
  raw request escapes: \\r \\n \\t \\0 \\xHH \\\\ and {N*text} = text repeated N times
  expectation: reject            every response is 4xx (or the connection just closes); the app sees nothing
               pass N            exactly N responses, all 200; the app sees exactly those N requests
               pass N then reject  N x 200 first, then 4xx or a close; the app sees exactly N requests
  A request target containing 'smuggled' must never reach the app, whatever the expectation.
"""
import os

H = "Host: a\\r\\n"
SMUGGLED = "GET /smuggled HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n"
cases = []


def add(cat, name, exp, raw):
    assert " | " not in name and "|" not in exp
    cases.append((cat, name, exp, raw))


# --- Transfer-Encoding obfuscations (TE.TE) combined with Content-Length (CL.TE, TE.CL) -------------------------
te_variants = [
    ("plain", "Transfer-Encoding: chunked"),
    ("capitalised value", "Transfer-Encoding: Chunked"),
    ("upper-case value", "Transfer-Encoding: CHUNKED"),
    ("lower-case name", "transfer-encoding: chunked"),
    ("mixed-case name", "tRANSFER-eNCODING: chunked"),
    ("leading space in value", "Transfer-Encoding:  chunked"),
    ("trailing space in value", "Transfer-Encoding: chunked "),
    ("tab before value", "Transfer-Encoding:\\tchunked"),
    ("no space before value", "Transfer-Encoding:chunked"),
    ("vertical tab before value", "Transfer-Encoding:\\x0bchunked"),
    ("form feed before value", "Transfer-Encoding:\\x0cchunked"),
    ("NUL before value", "Transfer-Encoding: \\0chunked"),
    ("xchunked", "Transfer-Encoding: xchunked"),
    ("chunkedx", "Transfer-Encoding: chunkedx"),
    ("chunk", "Transfer-Encoding: chunk"),
    ("quoted chunked", "Transfer-Encoding: \"chunked\""),
    ("chunked with parameter", "Transfer-Encoding: chunked;q=1"),
    ("chunked, identity", "Transfer-Encoding: chunked, identity"),
    ("identity, chunked", "Transfer-Encoding: identity, chunked"),
    ("gzip, chunked", "Transfer-Encoding: gzip, chunked"),
    ("chunked, chunked", "Transfer-Encoding: chunked, chunked"),
    ("comma only", "Transfer-Encoding: ,chunked"),
    ("identity", "Transfer-Encoding: identity"),
    ("empty value", "Transfer-Encoding: "),
    ("split value", "Transfer-Encoding: chu nked"),
    ("two headers chunked then x", "Transfer-Encoding: chunked\\r\\nTransfer-Encoding: x"),
    ("two headers x then chunked", "Transfer-Encoding: x\\r\\nTransfer-Encoding: chunked"),
    ("two headers chunked twice", "Transfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked"),
    ("obs-fold value", "Transfer-Encoding:\\r\\n chunked"),
    ("obs-fold after chunked", "Transfer-Encoding: chunked\\r\\n identity"),
    ("space before colon", "Transfer-Encoding : chunked"),
    ("tab before colon", "Transfer-Encoding\\t: chunked"),
    ("leading space on the line", " Transfer-Encoding: chunked"),
    ("underscore name", "Transfer_Encoding: chunked"),
    ("bare LF before it", "X: y\\nTransfer-Encoding: chunked"),
    ("CR inside the name", "Transfer-Enc\\rding: chunked"),
    ("high byte in value", "Transfer-Encoding: \\xffchunked"),
]
# A header that is not Transfer-Encoding at all (to Porter, as to any strict parser): the request is CL-framed.
not_te = {"underscore name"}
for label, te in te_variants:
    # CL.TE: Content-Length covers everything; a TE-reading backend would see a second request.
    body = "0\\r\\n\\r\\n" + SMUGGLED
    cl = 5 + len("GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n")
    exp = "pass 1" if label in not_te else "reject"
    add("CL.TE", label, exp, f"POST / HTTP/1.1\\r\\n{H}Content-Length: {cl}\\r\\n{te}\\r\\n\\r\\n{body}")
    # TE.CL: chunked framing covers the inner request; a CL-reading backend would see the inner one.
    inner = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
    chunk = f"{len(inner):x}\\r\\n" + SMUGGLED + "\\r\\n0\\r\\n\\r\\n"
    # CL 4, then what follows is the client's own next request, then a stray "0" line
    exp = "pass 2 then reject" if label in not_te else "reject"
    if label in not_te:
        chunk = chunk.replace("/smuggled", "/second-request")
    add("TE.CL", label, exp, f"POST / HTTP/1.1\\r\\n{H}{te}\\r\\nContent-Length: 4\\r\\n\\r\\n{chunk}")

# TE alone (no Content-Length): anything but exactly 'chunked' is refused; the real ones frame the body.
te_ok = {"plain", "capitalised value", "upper-case value", "lower-case name", "mixed-case name",
         "leading space in value", "trailing space in value", "tab before value", "no space before value"}
for label, te in te_variants:
    inner = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
    body = f"{len(inner):x}\\r\\n" + SMUGGLED + "\\r\\n0\\r\\n\\r\\n"
    if label in not_te:
        continue  # no framing header at all: the body would be a second request (not a smuggling case)
    add("TE alone", label, "pass 1" if label in te_ok else "reject", f"POST / HTTP/1.1\\r\\n{H}{te}\\r\\n\\r\\n{body}")

# --- Content-Length abuse ---------------------------------------------------------------------------------------
P = "POST / HTTP/1.1\\r\\n" + H
for label, cl, exp in [
    ("duplicate same value", "Content-Length: 3\\r\\nContent-Length: 3", "reject"),
    ("duplicate different values", "Content-Length: 3\\r\\nContent-Length: 40", "reject"),
    ("list of values", "Content-Length: 3, 3", "reject"),
    ("list of different values", "Content-Length: 3, 40", "reject"),
    ("plus sign", "Content-Length: +3", "reject"),
    ("minus sign", "Content-Length: -3", "reject"),
    ("hex value", "Content-Length: 0x3", "reject"),
    ("exponent", "Content-Length: 3e0", "reject"),
    ("decimal point", "Content-Length: 3.0", "reject"),
    ("letters", "Content-Length: abc", "reject"),
    ("empty", "Content-Length: ", "reject"),
    ("space inside", "Content-Length: 1 2", "reject"),
    ("NUL after digits", "Content-Length: 3\\0", "reject"),
    ("overflowing 64 bits", "Content-Length: 99999999999999999999999", "reject"),
    ("2^63", "Content-Length: 9223372036854775808", "reject"),
    ("2^32 + 3 (32-bit wrap)", "Content-Length: 4294967299", "reject"),
    ("space before colon", "Content-Length : 3", "reject"),
    ("obs-fold", "Content-Length:\\r\\n 3", "reject"),
    ("leading zeros", "Content-Length: 0003", "pass 1"),
    ("underscore name", "Content_Length: 3", "pass 1 then reject"),
]:
    # the body 'abc' then a request the app must see only as part of a body (or never)
    # 'abc' then an empty line: where CL is not read, "abc" is a (bad) request line the server can see the end of
    add("Content-Length", label, exp, f"{P}{cl}\\r\\n\\r\\nabc" + ("\\r\\n\\r\\n" if exp != "reject" and "then" in exp else ""))
add("Content-Length", "GET with a body holding a request", "pass 1",
    f"GET / HTTP/1.1\\r\\n{H}Content-Length: {len(SMUGGLED.encode().decode('unicode_escape'))}\\r\\n\\r\\n{SMUGGLED}")
add("Content-Length", "body holding a request", "pass 1",
    f"{P}Content-Length: {len(SMUGGLED.encode().decode('unicode_escape'))}\\r\\n\\r\\n{SMUGGLED}")
add("Content-Length", "over maxAllowedContentLength", "reject", f"{P}Content-Length: 30000001\\r\\n\\r\\nabc")

# --- chunked body framing ----------------------------------------------------------------------------------------
C = P + "Transfer-Encoding: chunked\\r\\n\\r\\n"
for label, body, exp in [
    ("size overflows 64 bits", "ffffffffffffffffff\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("size 2^64 + 3", "10000000000000003\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("size 2^32 + 3", "100000003\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("size 0x prefix", "0x3\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("negative size", "-3\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("size not hex", "zz\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("empty size", "\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("size with leading space", " 3\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("size with trailing garbage", "3 x\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("data longer than size", "3\\r\\nabcdef\\r\\n0\\r\\n\\r\\n", "reject"),
    ("data shorter than size, then a request", "8\\r\\nabc\\r\\n0\\r\\n\\r\\n" + SMUGGLED, "reject"),
    ("no CRLF after data", "3\\r\\nabc0\\r\\n\\r\\n", "reject"),
    ("bare LF after size", "3\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("bare LF after data", "3\\r\\nabc\\n0\\r\\n\\r\\n", "reject"),
    ("bare CR after size", "3\\rabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("bare LF after last chunk", "3\\r\\nabc\\r\\n0\\n\\r\\n", "reject"),
    ("bare LF ending trailers", "3\\r\\nabc\\r\\n0\\r\\n\\n", "reject"),
    ("extension with bare LF", "3;a\\nb\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("extension with bare CR", "3;a\\rb\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("extension with NUL", "3;a\\0b\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("extension over maxRequestBytes", "3;{20000*a}\\r\\nabc\\r\\n0\\r\\n\\r\\n", "reject"),
    ("trailer obs-fold", "3\\r\\nabc\\r\\n0\\r\\nX: a\\r\\n b\\r\\n\\r\\n", "reject"),
    ("trailer space before colon", "3\\r\\nabc\\r\\n0\\r\\nX : a\\r\\n\\r\\n", "reject"),
    ("trailer NUL", "3\\r\\nabc\\r\\n0\\r\\nX: a\\0b\\r\\n\\r\\n", "reject"),
    ("trailer without colon", "3\\r\\nabc\\r\\n0\\r\\nGET /smuggled HTTP/1.1\\r\\n\\r\\n", "reject"),
    ("chunk extension", "3;name=value\\r\\nabc\\r\\n0\\r\\n\\r\\n", "pass 1"),
    ("quoted chunk extension", "3;name=\"v;a\\\\\"l\"\\r\\nabc\\r\\n0\\r\\n\\r\\n", "pass 1"),
    ("extension on the last chunk", "3\\r\\nabc\\r\\n0;x=1\\r\\n\\r\\n", "pass 1"),
    ("size with leading zeros", "0003\\r\\nabc\\r\\n0\\r\\n\\r\\n", "pass 1"),
    ("upper-case hex size", "A\\r\\nabcdefghij\\r\\n0\\r\\n\\r\\n", "pass 1"),
    ("trailer with a Content-Length", "3\\r\\nabc\\r\\n0\\r\\nContent-Length: 40\\r\\n\\r\\n", "pass 1"),
    ("trailer with Transfer-Encoding", "3\\r\\nabc\\r\\n0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n", "pass 1"),
    ("smuggled request inside chunk data", f"{len('GET /smuggled HTTP/1.1' + chr(13) + chr(10) + 'Host: a' + chr(13) + chr(10) + chr(13) + chr(10)):x}\\r\\n{SMUGGLED}\\r\\n0\\r\\n\\r\\n", "pass 1"),
]:
    add("chunked", label, exp, C + body)

# --- line endings and folding -------------------------------------------------------------------------------------
for label, raw in [
    ("bare LF everywhere", "GET / HTTP/1.1\\nHost: a\\n\\n"),
    ("bare LF after request line", "GET / HTTP/1.1\\nHost: a\\r\\n\\r\\n"),
    ("bare LF after a header", "GET / HTTP/1.1\\r\\nHost: a\\nX: b\\r\\n\\r\\n"),
    ("bare LF ending the head", "GET / HTTP/1.1\\r\\nHost: a\\r\\n\\n"),
    ("bare CR ending the head", "GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r" + SMUGGLED),
    ("bare CR in request line", "GET /\\rx HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n"),
    ("bare LF smuggling a header", "GET / HTTP/1.1\\r\\nHost: a\\r\\nX: a\\nContent-Length: 40\\r\\n\\r\\n"),
    ("LF CR line end", "GET / HTTP/1.1\\n\\rHost: a\\n\\r\\n\\r"),
    ("obs-fold with space", "GET / HTTP/1.1\\r\\nHost: a\\r\\nX: a\\r\\n b\\r\\n\\r\\n"),
    ("obs-fold with tab", "GET / HTTP/1.1\\r\\nHost: a\\r\\nX: a\\r\\n\\tb\\r\\n\\r\\n"),
    ("obs-fold of Host", "GET / HTTP/1.1\\r\\nHost:\\r\\n a\\r\\n\\r\\n"),
    ("obs-fold as first header", "GET / HTTP/1.1\\r\\n X: a\\r\\nHost: a\\r\\n\\r\\n"),
    ("obs-fold hiding a request", "GET / HTTP/1.1\\r\\nHost: a\\r\\nX: a\\r\\n GET /smuggled HTTP/1.1\\r\\n\\r\\n"),
]:
    add("line endings", label, "reject", raw)

# --- header field syntax ----------------------------------------------------------------------------------------
G = "GET / HTTP/1.1\\r\\n" + H
for label, hdr in [
    ("NUL in value", "X: a\\0b"), ("CR in value", "X: a\\rb"), ("CR LF CR in value", "X: a\\r\\r\\nb"),
    ("vertical tab in value", "X: a\\x0bb"), ("form feed in value", "X: a\\x0cb"), ("SOH in value", "X: \\x01"),
    ("ESC in value", "X: \\x1b[31m"), ("DEL in value", "X: a\\x7fb"), ("NUL in name", "X\\0Y: a"),
    ("space in name", "X Y: a"), ("space before colon", "X : a"), ("tab before colon", "X\\t: a"),
    ("several spaces before colon", "X   : a"), ("space before colon on Host", "Host : b"),
    ("at sign in name", "X@Y: a"), ("parenthesis in name", "(X): a"), ("slash in name", "X/Y: a"),
    ("colon only", ": a"), ("no colon", "NoColon"), ("quote in name", "\"X\": a"),
    ("high byte in name", "X\\xe9: a"), ("brace in name", "X{: a"), ("equals in name", "X=Y: a"),
]:
    add("header syntax", label, "reject", f"{G}{hdr}\\r\\n\\r\\n")
for label, hdr in [
    ("obs-text high bytes in value", "X: caf\\xe9"), ("empty value", "X:"), ("tab inside value", "X: a\\tb"),
    ("very long legal value", "X: {8000*v}"),
]:
    add("header syntax", label, "pass 1", f"{G}{hdr}\\r\\n\\r\\n")

# --- sizes --------------------------------------------------------------------------------------------------------
for label, raw, exp in [
    ("URL over maxUrl", "GET /{5000*a} HTTP/1.1\\r\\n" + H + "\\r\\n", "reject"),
    ("query over maxQueryString", "GET /?{3000*q} HTTP/1.1\\r\\n" + H + "\\r\\n", "reject"),
    ("request line over maxRequestBytes", "GET /?{17000*q} HTTP/1.1\\r\\n" + H + "\\r\\n", "reject"),
    ("one header over maxRequestBytes", G + "X: {17000*v}\\r\\n\\r\\n", "reject"),
    ("many headers over maxRequestBytes", G + "{2000*X: 123456\\r\\n}\\r\\n", "reject"),
    ("head just over maxRequestBytes", G + "X: {16360*v}\\r\\n\\r\\n", "reject"),
    ("header name over maxRequestBytes", G + "{17000*N}: v\\r\\n\\r\\n", "reject"),
    ("method over maxRequestBytes", "{17000*G} / HTTP/1.1\\r\\n" + H + "\\r\\n", "reject"),
    ("many small headers under the limit", G + "{500*Y: 1\\r\\n}\\r\\n", "pass 1"),
    ("URL at maxUrl", "GET /{4095*a} HTTP/1.1\\r\\n" + H + "\\r\\n", "pass 1"),
]:
    add("size", label, exp, raw)

# --- request line -----------------------------------------------------------------------------------------------
for label, line, exp in [
    ("method with a space", "G ET / HTTP/1.1", "reject"),
    ("method with NUL", "GE\\0T / HTTP/1.1", "reject"),
    ("method with slash", "GET/ / HTTP/1.1", "reject"),
    ("method with angle brackets", "<script> / HTTP/1.1", "reject"),
    ("method with a colon", "GET: / HTTP/1.1", "reject"),
    ("method with high byte", "G\\xc9T / HTTP/1.1", "reject"),
    ("empty method", " / HTTP/1.1", "reject"),
    ("tab separators (RFC 9112 2.2: MAY parse on whitespace)", "GET\\t/\\tHTTP/1.1", "pass 1"),
    ("two spaces after method (RFC 9112 2.2: MAY)", "GET  / HTTP/1.1", "pass 1"),
    ("space after version", "GET / HTTP/1.1 ", "reject"),
    ("no target", "GET HTTP/1.1", "reject"),
    ("four parts", "GET / x HTTP/1.1", "reject"),
    ("HTTP/1.2", "GET / HTTP/1.2", "reject"),
    ("HTTP/2.0 request line", "GET / HTTP/2.0", "reject"),
    ("HTTP/3.0", "GET / HTTP/3.0", "reject"),
    ("HTTP/0.9 style", "GET /", "reject"),
    ("HTTP/1.1x", "GET / HTTP/1.1x", "reject"),
    ("lower-case protocol", "GET / http/1.1", "reject"),
    ("space in version", "GET / HTTP/ 1.1", "reject"),
    ("version without minor", "GET / HTTP/1", "reject"),
    ("two-digit major", "GET / HTTP/11.1", "reject"),
    ("negative version", "GET / HTTP/-1.1", "reject"),
    ("not HTTP", "GET / HTXP/1.1", "reject"),
    ("absolute-form http", "GET http://a/ HTTP/1.1", "reject"),
    ("absolute-form https", "GET https://a/x HTTP/1.1", "reject"),
    ("absolute-form to smuggled", "GET http://a/smuggled HTTP/1.1", "reject"),
    ("absolute-form other host", "GET http://evil.example/ HTTP/1.1", "reject"),
    ("authority-form on GET", "GET a:80 HTTP/1.1", "reject"),
    ("asterisk-form on GET", "GET * HTTP/1.1", "reject"),
    ("asterisk-form on OPTIONS", "OPTIONS * HTTP/1.1", "reject"),
    ("CONNECT authority", "CONNECT a:443 HTTP/1.1", "reject"),
    ("CONNECT with a path", "CONNECT / HTTP/1.1", "reject"),
    ("CONNECT to loopback backend port", "CONNECT 127.0.0.1:1 HTTP/1.1", "reject"),
    ("CONNECT lower-case is not CONNECT", "connect / HTTP/1.1", "pass 1"),
    ("fragment", "GET /a#smuggled HTTP/1.1", "reject"),
    ("space in target", "GET /a b HTTP/1.1", "reject"),
    ("NUL in target", "GET /a\\0b HTTP/1.1", "reject"),
    ("DEL in target", "GET /a\\x7fb HTTP/1.1", "reject"),
    ("tab in target", "GET /a\\tb HTTP/1.1", "reject"),
    ("target not starting with slash", "GET a HTTP/1.1", "reject"),
    ("unknown method token", "FOO / HTTP/1.1", "pass 1"),
    ("lower-case method token", "get / HTTP/1.1", "pass 1"),
    ("TRACE", "TRACE / HTTP/1.1", "pass 1"),
]:
    add("request line", label, exp, f"{line}\\r\\n{H}\\r\\n")

# --- target paths -----------------------------------------------------------------------------------------------
for label, target, exp in [
    ("dot-dot above root", "/../smuggled", "reject"),
    ("encoded dot-dot above root", "/%2e%2e/smuggled", "reject"),
    ("upper-case encoded dot-dot", "/%2E%2E/smuggled", "reject"),
    ("encoded slash dot-dot", "/..%2fsmuggled", "reject"),
    ("deep climb", "/a/../../smuggled", "reject"),
    ("encoded NUL", "/a%00b", "reject"),
    ("encoded CR LF", "/a%0d%0aX-Smuggled:%201", "reject"),
    ("encoded DEL", "/a%7f", "reject"),
    ("backslash", "/a\\\\b", "reject"),
    ("encoded backslash", "/a%5c..%5csmuggled", "reject"),
    ("overlong UTF-8 dot", "/%c0%ae%c0%ae/smuggled", "reject"),
    ("overlong UTF-8 slash", "/a%c0%afb", "reject"),
    ("lone UTF-8 continuation", "/a%80", "reject"),
    ("UTF-16 surrogate", "/a%ed%a0%80", "reject"),
    ("truncated escape", "/a%2", "reject"),
    ("bad escape", "/a%zz", "reject"),
    ("dot-dot inside the root", "/a/../b", "pass 1"),
    ("double slash", "//a//b", "pass 1"),
    ("encoded question mark", "/a%3Fb?c", "pass 1"),
]:
    add("target", label, exp, f"GET {target} HTTP/1.1\\r\\n{H}\\r\\n")

# --- Host ----------------------------------------------------------------------------------------------------------
for label, hosts, exp in [
    ("missing on HTTP/1.1", "", "reject"),
    ("two Host headers", "Host: a\\r\\nHost: b\\r\\n", "reject"),
    ("two Host headers same value", "Host: a\\r\\nHost: a\\r\\n", "reject"),
    ("Host list", "Host: a, b\\r\\n", "reject"),
    ("Host with userinfo", "Host: u@a\\r\\n", "reject"),
    ("Host with path", "Host: a/smuggled\\r\\n", "reject"),
    ("Host with bad port", "Host: a:8x\\r\\n", "reject"),
    ("Host with two ports", "Host: a:1:2\\r\\n", "reject"),
    ("Host with space", "Host: a b\\r\\n", "reject"),
    ("Host with NUL", "Host: a\\0\\r\\n", "reject"),
]:
    add("Host", label, exp, f"GET / HTTP/1.1\\r\\n{hosts}\\r\\n")

# --- Expect ----------------------------------------------------------------------------------------------------
for label, raw, exp in [
    ("unknown expectation", P + "Expect: 200-ok\\r\\nContent-Length: 3\\r\\n\\r\\nabc", "reject"),
    ("expectation list", P + "Expect: 100-continue, x\\r\\nContent-Length: 3\\r\\n\\r\\nabc", "reject"),
    ("expectation with parameter", P + "Expect: 100-continue;a=b\\r\\nContent-Length: 3\\r\\n\\r\\nabc", "reject"),
    ("100-continue on an oversized body", P + "Expect: 100-continue\\r\\nContent-Length: 30000001\\r\\n\\r\\n", "reject"),
    ("100-continue with CL and TE", P + "Expect: 100-continue\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n", "reject"),
    ("100-continue on GET without body", G + "Expect: 100-continue\\r\\n\\r\\n", "pass 1"),
    ("100-continue with the body sent at once", P + "Expect: 100-continue\\r\\nContent-Length: 3\\r\\n\\r\\nabc", "pass 1"),
    ("100-continue on HTTP/1.0", "POST / HTTP/1.0\\r\\nExpect: 100-continue\\r\\nContent-Length: 3\\r\\n\\r\\nabc", "pass 1"),
]:
    add("Expect", label, exp, raw)

# --- pipelining -----------------------------------------------------------------------------------------------
GOOD = "GET /ok HTTP/1.1\\r\\n" + H + "\\r\\n"
for label, raw, exp in [
    ("good then CL.TE", GOOD + "POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n" + SMUGGLED, "pass 1 then reject"),
    ("good then bare LF", GOOD + "GET /smuggled HTTP/1.1\\nHost: a\\n\\n", "pass 1 then reject"),
    ("good then obs-fold", GOOD + "GET /smuggled HTTP/1.1\\r\\nHost: a\\r\\nX: a\\r\\n b\\r\\n\\r\\n", "pass 1 then reject"),
    ("three good then bad version", GOOD * 3 + "GET /smuggled HTTP/9.9\\r\\nHost: a\\r\\n\\r\\n", "pass 3 then reject"),
    ("good then absolute-form", GOOD + "GET http://a/smuggled HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n", "pass 1 then reject"),
    ("good then NUL header", GOOD + "GET /smuggled HTTP/1.1\\r\\nHost: a\\r\\nX: \\0\\r\\n\\r\\n", "pass 1 then reject"),
    ("good then duplicate CL", GOOD + "POST /smuggled HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 1\\r\\nContent-Length: 2\\r\\n\\r\\nab", "pass 1 then reject"),
    ("chunked then bad chunk size", C + "3\\r\\nabc\\r\\n0\\r\\n\\r\\n" + "POST /smuggled HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nfffffffffffffffffff\\r\\n", "pass 1 then reject"),
    ("Connection close then a request", "GET /ok HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n" + SMUGGLED, "pass 1"),
    ("HTTP/1.0 then a request", "GET /ok HTTP/1.0\\r\\n\\r\\n" + SMUGGLED, "pass 1"),
    ("leading empty lines", "\\r\\n\\r\\n" + GOOD, "pass 1"),
]:
    add("pipelining", label, exp, raw)

# --- not HTTP/1.x at all ----------------------------------------------------------------------------------------
for label, raw in [
    ("HTTP/2 preface", "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n"),
    ("TLS ClientHello", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03{32*\\x00}\\x00\\x00\\x02\\x00\\x2f\\x01\\x00\\r\\n\\r\\n"),
    ("binary garbage", "\\x00\\x01\\x02\\x03\\xff\\xfe\\r\\n\\r\\n"),
    ("only a method", "GET\\r\\n\\r\\n"),
    ("SSH banner", "SSH-2.0-OpenSSH_9.0\\r\\n\\r\\n"),
    ("SMTP", "HELO a\\r\\n\\r\\n"),
    ("JSON", "{\"GET\": \"/smuggled\"}\\r\\n\\r\\n"),
]:
    add("not HTTP", label, "reject", raw)

# --- hop-by-hop and Connection games ----------------------------------------------------------------------------
for label, hdr in [
    ("Connection naming Content-Length", "Connection: Content-Length\\r\\nContent-Length: 3"),
    ("Connection naming Host", "Connection: Host\\r\\nContent-Length: 3"),
    ("Connection naming Transfer-Encoding", "Connection: Transfer-Encoding\\r\\nContent-Length: 3"),
    ("Connection naming the token header", "Connection: MS-ASPNETCORE-TOKEN\\r\\nContent-Length: 3"),
    ("Connection naming X-Forwarded-For", "Connection: X-Forwarded-For\\r\\nContent-Length: 3"),
    ("Upgrade h2c", "Connection: Upgrade, HTTP2-Settings\\r\\nUpgrade: h2c\\r\\nHTTP2-Settings: AAMAAABkAAQAAP__\\r\\nContent-Length: 3"),
    ("TE trailers", "TE: trailers\\r\\nContent-Length: 3"),
    ("Keep-Alive header", "Keep-Alive: timeout=1000000\\r\\nContent-Length: 3"),
    ("Proxy-Connection", "Proxy-Connection: keep-alive\\r\\nContent-Length: 3"),
]:
    add("hop-by-hop", label, "pass 1", f"{P}{hdr}\\r\\n\\r\\nabc")

out = os.path.join(os.path.dirname(__file__), "..", "porter-server", "src", "test", "resources", "reliability",
                   "hostile-requests.txt")
with open(out, "w") as f:
    f.write("# The hostile request corpus replayed by dev.porter.reliability.HostileCorpusTest (generated by\n"
            "# reliability/make-corpus.py, which documents the format). One case per line:\n"
            "#   category | name | expectation | raw request (escapes \\r \\n \\t \\0 \\xHH \\\\, {N*text} repeats)\n")
    for c in cases:
        f.write(" | ".join(c) + "\n")
print(len(cases), "cases ->", os.path.normpath(out))
