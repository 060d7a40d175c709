"""A plain Flask app as its users write it: no Porter code.

Behind Porter (out-of-process, forwardedHeaders="standard" in web.config) it needs three settings, all from the
environment Porter gives it: listen on 127.0.0.1:$ASPNETCORE_PORT, serve under $ASPNETCORE_APPL_PATH, and trust
one proxy's X-Forwarded-* (Werkzeug's ProxyFix). /whoami answers what the request looks like to the app.
"""
import os

from flask import Flask, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import run_simple

app = Flask(__name__)


@app.get("/whoami")
def whoami():
    seen = {
        "remoteAddr": request.remote_addr,
        "scheme": request.scheme,
        "host": request.host,
        "contextPath": request.script_root,
        "link": url_for("whoami", _external=True),
    }
    return "".join(f"{k}={v}\n" for k, v in seen.items()), 200, {"Content-Type": "text/plain"}


# The path base: requests arrive as /shop/whoami for <application path="/shop">; the app's routes stay /whoami.
base = os.environ.get("ASPNETCORE_APPL_PATH", "/")
wsgi = app.wsgi_app
if base != "/":
    wsgi = DispatcherMiddleware(NotFound(), {base: wsgi})
# One proxy in front (Porter): client address, scheme, host and port from its X-Forwarded-* headers.
app.wsgi_app = ProxyFix(wsgi, x_for=1, x_proto=1, x_host=1, x_port=1)

if __name__ == "__main__":
    run_simple("127.0.0.1", int(os.environ.get("ASPNETCORE_PORT", "5000")), app)
