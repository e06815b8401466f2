-- The load script of `make loadtest` (bench/loadtest.py runs it with wrk; bench/README.md).
--
--   wrk -s bench/loadtest/load.lua URL -- <mode> <lines file> <connections> <rate per second, 0: as fast as possible>
--
-- mode "punch_api":  POST /api/attendance/punches/ {"kind": "in"} with the line's API token
-- mode "punch_page": POST /attendance/punch/ kind=in with the line's session cookie and the CSRF secret
-- mode "leave_api":  POST /api/leave/requests/ with the line's token and JSON body ("token<TAB>body")
--
-- Each line is one person (or one person's request); the threads take the lines in turns, so no two
-- connections send the same line unless the run outlasts the file (then it starts over: the punches are
-- the idempotent repeats a second tap makes). With a rate, each thread sends on a schedule of
-- threads/rate seconds a request, whatever the answers' latency (wrk's delay() until the next slot,
-- from the wall clock): the offered rate is the rate, as long as a connection is free for each slot
-- (at most `connections` requests in flight; a slower server falls behind its schedule).

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_usec; } load_timeval;
int gettimeofday(load_timeval *tv, void *tz);
]]
local timeval = ffi.new("load_timeval")

local function now_ms()
  ffi.C.gettimeofday(timeval, nil)
  return tonumber(timeval.tv_sec) * 1000 + tonumber(timeval.tv_usec) / 1000
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  lines = {}
  for line in io.lines(args[2]) do
    lines[#lines + 1] = line
  end
  local rate = tonumber(args[4] or "0")
  step = tonumber(args[5] or "1")  -- the number of threads
  interval = 0
  if rate > 0 then
    interval = step * 1000 / rate  -- this thread's share of the rate
  end
  counter = id
end

function delay()
  if interval == 0 then
    return 0
  end
  local now = now_ms()
  next_slot = (next_slot or now) + interval
  if next_slot < now then
    return 0
  end
  return next_slot - now
end

function request()
  local line = lines[(counter % #lines) + 1]
  counter = counter + step
  if mode == "punch_api" then
    return wrk.format("POST", "/api/attendance/punches/",
      {["Authorization"] = "Token " .. line, ["Content-Type"] = "application/json"}, '{"kind": "in"}')
  elseif mode == "punch_page" then
    local session, csrf = line:match("([^\t]+)\t([^\t]+)")
    return wrk.format("POST", "/attendance/punch/",
      {["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf, ["X-CSRFToken"] = csrf,
       ["Content-Type"] = "application/x-www-form-urlencoded"}, "kind=in")
  else
    local token, body = line:match("([^\t]+)\t(.+)")
    return wrk.format("POST", "/api/leave/requests/",
      {["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json"}, body)
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
end
