// Runs webhooks/apps_script/Code.gs under Node with small stand-ins for the Apps Script services
// it calls, and prints {"returned": ..., "logs": [...]} as JSON.
//   node harness.js CODE_GS EVENT_JSON   (Script Properties come from the environment)
//   node harness.js CODE_GS installTrigger
// The event JSON is {"response": {"id", "timestamp", "items": [{"title", "response"}]}}
// for a form-bound trigger, or {"namedValues": {...}} for a spreadsheet-bound one.
// Output: {"returned", "thrown" (the message of an error the script threw), "logs", "sleeps",
// "triggers", "scopesRequired"}. PRENS_TEST_CONSENT=partial: the installer unticked a permission.
'use strict';
const fs = require('fs');
const vm = require('vm');
const crypto = require('crypto');
const { spawnSync } = require('child_process');
const path = require('path');

const [codePath, eventPath] = process.argv.slice(2);
const logs = [];
const sleeps = [];
const triggers = [];
let scopesRequired = 0;
const signed = (buf) => Array.from(buf, (b) => (b > 127 ? b - 256 : b));
const unsigned = (bytes) => Buffer.from(bytes.map((b) => (b < 0 ? b + 256 : b)));

const sandbox = {
  console: {
    log: (...a) => logs.push({ level: 'log', text: a.join(' ') }),
    error: (...a) => logs.push({ level: 'error', text: a.join(' ') }),
  },
  Date, JSON, Math, String, Array,
  PropertiesService: {
    getScriptProperties: () => ({
      getProperty: (name) => process.env[name] || null,
    }),
  },
  Utilities: {
    Charset: { UTF_8: 'UTF_8' },
    // Like Apps Script: returns the HMAC as an array of signed bytes.
    computeHmacSha256Signature: (value, key) =>
      signed(crypto.createHmac('sha256', Buffer.from(key, 'utf8')).update(value, 'utf8').digest()),
    newBlob: (text) => ({ getBytes: () => signed(Buffer.from(text, 'utf8')) }),
    sleep: (ms) => sleeps.push(ms),  // recorded, not waited
  },
  FormApp: { getActiveForm: () => ({ id: 'form' }) },
  ScriptApp: {
    AuthMode: { FULL: 'FULL' },
    // As documented: ends the execution when a scope the script needs was not granted.
    requireAllScopes: (mode) => {
      scopesRequired += 1;
      if (mode !== 'FULL') throw new Error('requireAllScopes needs an AuthMode');
      if (process.env.PRENS_TEST_CONSENT === 'partial') {
        throw new Error('Authorization is required to perform that action.');
      }
    },
    getProjectTriggers: () => triggers.slice(),
    deleteTrigger: (t) => triggers.splice(triggers.indexOf(t), 1),
    newTrigger: (handler) => ({
      forForm: (form) => ({
        onFormSubmit: () => ({
          create: () => {
            const t = { getHandlerFunction: () => handler, form };
            triggers.push(t);
            return t;
          },
        }),
      }),
    }),
  },
  // UrlFetchApp.fetch is synchronous in Apps Script: a child process does the real HTTP request.
  UrlFetchApp: {
    fetch: (url, options) => {
      const payload = Array.isArray(options.payload) ? unsigned(options.payload) : Buffer.from(options.payload, 'utf8');
      const child = spawnSync(process.execPath, [path.join(__dirname, 'fetch_once.js')], {
        input: JSON.stringify({
          url, method: options.method, contentType: options.contentType,
          headers: options.headers, payload: payload.toString('base64'),
        }),
        timeout: 60000,
      });
      if (child.status !== 0) {
        throw new Error('Exception: Address unavailable: ' + url + ' ' + String(child.stderr));
      }
      const reply = JSON.parse(String(child.stdout));
      if (!options.muteHttpExceptions && reply.code >= 400) {
        throw new Error('Request failed for ' + url + ' returned code ' + reply.code);
      }
      return { getResponseCode: () => reply.code, getContentText: () => reply.body };
    },
  },
};

function formResponse(spec) {
  return {
    getId: () => spec.id,
    getTimestamp: () => new Date(spec.timestamp),
    getItemResponses: () => spec.items.map((item) => ({
      getItem: () => ({ getTitle: () => item.title }),
      getResponse: () => item.response,
    })),
  };
}

vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(codePath, 'utf8'), sandbox, { filename: 'Code.gs' });
function run(fn) {
  let returned = null;
  let thrown = null;
  try {
    returned = fn();
  } catch (err) {
    thrown = String(err && err.message ? err.message : err);
  }
  const installed = triggers.map((t) => t.getHandlerFunction());
  process.stdout.write(JSON.stringify({ returned, thrown, logs, sleeps, triggers: installed, scopesRequired }));
}
if (eventPath === 'installTrigger') {
  run(() => sandbox.installTrigger());
  process.exit(0);
}
const spec = JSON.parse(fs.readFileSync(eventPath, 'utf8'));
// A spreadsheet-bound event: the new row's Range, whose first cell holds the response's Date.
function rowRange(stamp) {
  return { getCell: (r, c) => ({ getValue: () => (r === 1 && c === 1 ? new Date(stamp) : '') }) };
}
const event = spec.response
  ? { response: formResponse(spec.response) }
  : { namedValues: spec.namedValues, ...(spec.rowTimestamp ? { range: rowRange(spec.rowTimestamp) } : {}) };
run(() => sandbox.onFormSubmit(event));
