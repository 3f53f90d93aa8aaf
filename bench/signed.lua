-- wrk script: send pre-signed webhook requests for the run's duration, each at most once.
-- The file named by PRENS_BENCH_REQUESTS holds one request a line: timestamp TAB signature TAB body.
-- Thread k of n sends lines k, k+n, k+2n, ...
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("PRENS_BENCH_THREADS"))
  requests, sent, done = {}, 0, 0
  local line_no = 0
  for line in io.lines(os.getenv("PRENS_BENCH_REQUESTS")) do
    if line_no % n == index then
      local ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", "/webhooks/google-form", {
        ["Content-Type"] = "application/json",
        ["X-Prens-Timestamp"] = ts,
        ["X-Prens-Signature"] = sig,
      }, body)
    end
    line_no = line_no + 1
  end
end

function request()
  sent = sent + 1
  if sent > #requests and not warned then
    -- The pool ran out: what follows are replays, which the figures should not include.
    io.stderr:write("WARNING: request pool exhausted; enlarge --pool\n")
    warned = true
  end
  return requests[(sent - 1) % #requests + 1]
end
