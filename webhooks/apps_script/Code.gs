/**
 * Lindungi Prens — Apps Script for the registration Google Form.
 *
 * Sends every form response to the Lindungi Prens webhook, signed with a shared secret:
 *   POST <PRENS_WEBHOOK_URL>
 *   X-Prens-Timestamp: <unix seconds>
 *   X-Prens-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
 *   {"responseId": "...", "timestamp": "<ISO 8601>", "answers": {"<question title>": "<answer>"}}
 *
 * Setup (see the README): in the form, Extensions > Apps Script, paste this file, set the Script
 * Properties PRENS_WEBHOOK_URL and PRENS_WEBHOOK_SECRET, then run installTrigger() once and
 * grant every permission it asks for.
 * A send that fails (after a few tries for a 5xx or a network error) is logged without the
 * answers, then thrown: the execution is marked failed, and Google emails the form's owner its
 * trigger-failure summary. The backend's reconcile job picks the response up later from the
 * linked responses sheet, so nothing is lost.
 *
 * The backend knows a response it reads from that sheet is one this script already sent by its
 * fingerprint: the response's own timestamp (to the second) and the name answer. So the body
 * always carries the response's timestamp, never the time the script happened to run.
 */


/** Tries of one send, and the pauses between them (ms): well within an execution's 6 minutes
 * even when every fetch waits out its own timeout of about a minute. */
var PRENS_TRIES = 3;
var PRENS_PAUSES_MS = [2000, 5000];

/**
 * Run once by hand: installs the onFormSubmit trigger for this form. Google's consent screen
 * lets the installer untick a permission (for example "Connect to an external service"); the
 * trigger would then fail on every response. So every permission the script needs is required
 * first: a consent that is not whole ends the installation here, with the prompt shown again.
 */
function installTrigger() {
  ScriptApp.requireAllScopes(ScriptApp.AuthMode.FULL);
  var form = FormApp.getActiveForm();
  ScriptApp.getProjectTriggers().forEach(function (t) {
    if (t.getHandlerFunction() === 'onFormSubmit') {
      ScriptApp.deleteTrigger(t);
    }
  });
  ScriptApp.newTrigger('onFormSubmit').forForm(form).onFormSubmit().create();
  console.log('Lindungi Prens: the trigger is installed; every new response is sent.');
}

/** The trigger: a form-bound event (e.response) or a spreadsheet-bound one (e.namedValues). */
function onFormSubmit(e) {
  var body;
  if (e && e.response) {
    body = prensBodyFromResponse_(e.response);
  } else if (e && e.namedValues) {
    body = {namedValues: e.namedValues};
    var stamp = prensRowTimestamp_(e);
    if (stamp) {
      body.timestamp = stamp;
    }  // else the backend reads namedValues' "Timestamp" (the sheet's text, to the second)
  } else {
    console.error('Lindungi Prens: event without a response; was this run by hand?');
    return null;
  }
  var code = prensSend_(body);
  if (code !== 200) {
    // Logged already, without the answers. Thrown so that the execution fails and the form's
    // owner is told by Google; the reconcile job still takes the response in later.
    throw new Error('Lindungi Prens: response ' + (body.responseId || '(no id)') +
                    ' not delivered (' + (code === -1 ? 'no answer' : 'HTTP ' + code) + ')');
  }
  return code;
}

/** The response's timestamp in a spreadsheet-bound event: its row's first cell, a Date. */
function prensRowTimestamp_(e) {
  try {
    var value = e.range && e.range.getCell(1, 1).getValue();
    return value instanceof Date ? value.toISOString() : null;
  } catch (err) {
    return null;
  }
}

/** The contract's body for a FormResponse. */
function prensBodyFromResponse_(response) {
  var answers = {};
  response.getItemResponses().forEach(function (itemResponse) {
    var value = itemResponse.getResponse();
    // Checkbox questions answer an array; grids answer arrays of arrays: flatten those to text.
    if (Array.isArray(value)) {
      value = value.map(function (v) { return Array.isArray(v) ? v.join(', ') : String(v); });
    } else if (value === null || value === undefined) {
      value = '';
    } else {
      value = String(value);
    }
    answers[itemResponse.getItem().getTitle()] = value;
  });
  return {
    responseId: response.getId(),
    timestamp: response.getTimestamp().toISOString(),
    answers: answers
  };
}

/** Hex of the signed bytes Utilities.computeHmacSha256Signature returns (-128..127). */
function prensHex_(bytes) {
  return bytes.map(function (b) {
    var v = (b < 0 ? b + 256 : b).toString(16);
    return v.length === 1 ? '0' + v : v;
  }).join('');
}

/** Sign and send a body; log the outcome. Returns the HTTP status code (or -1 on no answer). */
function prensSend_(body) {
  var props = PropertiesService.getScriptProperties();
  var url = props.getProperty('PRENS_WEBHOOK_URL');
  var secret = props.getProperty('PRENS_WEBHOOK_SECRET');
  if (!url || !secret) {
    console.error('Lindungi Prens: set PRENS_WEBHOOK_URL and PRENS_WEBHOOK_SECRET in Script Properties');
    return -1;
  }
  var payload = JSON.stringify(body);
  var timestamp = String(Math.floor(Date.now() / 1000));
  var signature = Utilities.computeHmacSha256Signature(timestamp + '.' + payload, secret,
                                                       Utilities.Charset.UTF_8);
  var options = {
    method: 'post',
    contentType: 'application/json',
    payload: Utilities.newBlob(payload, 'application/json').getBytes(),
    headers: {
      'X-Prens-Timestamp': timestamp,
      'X-Prens-Signature': 'sha256=' + prensHex_(signature)
    },
    muteHttpExceptions: true,
    followRedirects: false
  };
  var id = body.responseId || '(no id)';
  var code = -1;
  for (var attempt = 1; attempt <= PRENS_TRIES; attempt++) {
    if (attempt > 1) {
      Utilities.sleep(PRENS_PAUSES_MS[attempt - 2]);
      // Signed again: the server refuses a timestamp too far from its clock.
      timestamp = String(Math.floor(Date.now() / 1000));
      signature = Utilities.computeHmacSha256Signature(timestamp + '.' + payload, secret,
                                                       Utilities.Charset.UTF_8);
      options.headers = {
        'X-Prens-Timestamp': timestamp,
        'X-Prens-Signature': 'sha256=' + prensHex_(signature)
      };
    }
    try {
      var reply = UrlFetchApp.fetch(url, options);
      code = reply.getResponseCode();
      if (code === 200) {
        var result = JSON.parse(reply.getContentText());
        console.log('Lindungi Prens: ' + result.id + ' ' + result.status);
        return code;
      }
      // Never log the body: it holds NIK and KK.
      console.error('Lindungi Prens: webhook answered ' + code + ' for response ' + id +
                    ' (try ' + attempt + '): ' + reply.getContentText().slice(0, 300));
      if (code < 500) {
        return code;  // the server said no: trying again would get the same answer
      }
    } catch (err) {
      code = -1;
      console.error('Lindungi Prens: could not reach the webhook for response ' + id +
                    ' (try ' + attempt + '): ' + err);
    }
  }
  return code;
}
