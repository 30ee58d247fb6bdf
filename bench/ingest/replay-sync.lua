-- wrk script for bench/ingest/run and bench/dispatch/run: replay.lua (loaded, not copied) plus a
-- start barrier.
--
-- wrk runs each thread's init() in turn and starts a thread as soon as its init is done, but
-- times the run from after the last init. With a large event file, thread 0 would send alone
-- (while the next thread still parses the file, on a shared core) for seconds before the measured
-- duration begins, and those requests would still count towards requests/s. Here each thread
-- marks itself ready in BARRIER_DIR at the end of its init, and a thread's first real request
-- blocks (its event loop sleeps) until every thread is ready, so the load starts together with
-- wrk's clock. After that the only cost is one boolean test per request.
--
-- usage: wrk ... -s replay-sync.lua URL -- EVENTS_FILE MODE THREADS BARRIER_DIR

local ffi = require("ffi")
ffi.cdef("int usleep(unsigned int usec);")

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "replay.lua")

local ingest_init = init
local ingest_request = request
local barrier_dir
local barrier_threads = 1
local go = false
local calls = 0

function init(args)
  ingest_init(args)
  barrier_threads = tonumber(args[3] or "1")
  barrier_dir = args[4] or error("replay-sync.lua needs BARRIER_DIR as its 4th argument")
  local f = assert(io.open(barrier_dir .. "/ready-" .. tid, "w"))
  f:close()
end

local function all_ready()
  for k = 0, barrier_threads - 1 do
    local f = io.open(barrier_dir .. "/ready-" .. k, "r")
    if not f then
      return false
    end
    f:close()
  end
  return true
end

function request()
  calls = calls + 1
  -- wrk calls thread 0's request() once from its main thread, before starting any thread, to
  -- check for pipelining: that call must not wait.
  if not go and not (tid == 0 and calls == 1) then
    while not all_ready() do
      ffi.C.usleep(2000)
    end
    go = true
  end
  return ingest_request()
end
