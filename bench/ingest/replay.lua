-- wrk script: replays pre-signed webhook events (from gen-events.mjs) as POSTs.
-- usage: wrk ... -s replay.lua URL -- EVENTS_FILE MODE THREADS
--   MODE "unique": thread k sends lines k, k+T, k+2T, ... once each; when its slice runs out it
--                  keeps sending its last event (counted as `exhausted`, reported by done()).
--   MODE "cycle":  the slice is replayed in a loop (for targets that do not deduplicate).
-- done() prints one machine-readable line: "WRK_RESULT key=value ...".

local thread_count = 0
local threads = {}

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local reqs = {}
local n = 0
local next_i = 1
local mode = "unique"
sent = 0
exhausted = 0
pool = 0

function init(args)
  local file = args[1]
  mode = args[2] or "unique"
  local nthreads = tonumber(args[3] or "1")
  local path = wrk.path
  local line_no = 0
  for line in io.lines(file) do
    if line_no % nthreads == tid then
      local id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      n = n + 1
      reqs[n] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["webhook-id"] = id,
        ["webhook-timestamp"] = ts,
        ["webhook-signature"] = sig,
      }, body)
    end
    line_no = line_no + 1
  end
  pool = n
  if n == 0 then
    error("no events for thread " .. tid .. " in " .. file)
  end
end

function request()
  local r
  if next_i <= n then
    r = reqs[next_i]
    next_i = next_i + 1
  elseif mode == "cycle" then
    next_i = 2
    r = reqs[1]
  else
    exhausted = exhausted + 1
    r = reqs[n]
  end
  sent = sent + 1
  return r
end

function done(summary, latency, requests)
  local ex, pl, st = 0, 0, 0
  for _, t in ipairs(threads) do
    ex = ex + (t:get("exhausted") or 0)
    pl = pl + (t:get("pool") or 0)
    st = st + (t:get("sent") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d rps=%.1f non2xx=%d connect_err=%d read_err=%d write_err=%d timeouts=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d pool=%d exhausted=%d sent=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, pl, ex, st))
end
