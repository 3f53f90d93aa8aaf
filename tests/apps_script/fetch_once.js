// One HTTP request, described as JSON on stdin; prints {"code", "body"} as JSON.
'use strict';
const http = require('http');
const https = require('https'); // behind a TLS proxy; NODE_EXTRA_CA_CERTS trusts a test's certificate

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const spec = JSON.parse(input);
  const body = Buffer.from(spec.payload, 'base64');
  const headers = Object.assign({ 'Content-Type': spec.contentType, 'Content-Length': body.length }, spec.headers);
  const client = spec.url.startsWith('https:') ? https : http;
  const req = client.request(spec.url, { method: spec.method.toUpperCase(), headers }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      process.stdout.write(JSON.stringify({ code: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
  });
  req.on('error', (err) => { process.stderr.write(String(err)); process.exit(1); });
  req.end(body);
});
