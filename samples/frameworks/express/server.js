// A plain express app as its users write it: no Porter code. Behind Porter (out-of-process,
// forwardedHeaders="standard" in web.config) it needs three settings, all from the environment Porter gives it:
// listen on 127.0.0.1:$ASPNETCORE_PORT, mount under $ASPNETCORE_APPL_PATH, and trust the loopback proxy.
// /whoami answers what the request looks like to the app.
const express = require('express');

const app = express();
app.set('trust proxy', 'loopback'); // Porter connects from 127.0.0.1: req.ip, req.protocol, req.host follow X-Forwarded-*

const router = express.Router();
router.get('/whoami', (req, res) => {
  const seen = {
    remoteAddr: req.ip,
    scheme: req.protocol,
    host: req.host,
    contextPath: req.baseUrl,
    link: `${req.protocol}://${req.host}${req.baseUrl}/whoami`,
  };
  res.type('text/plain').send(Object.entries(seen).map(([k, v]) => `${k}=${v}\n`).join(''));
});
app.use(process.env.ASPNETCORE_APPL_PATH || '/', router);

const port = Number(process.env.ASPNETCORE_PORT || 3000);
app.listen(port, '127.0.0.1');
