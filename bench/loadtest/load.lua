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
-- the idempotent repeats a second tap makes). With a rate, each connection waits connections/rate
-- seconds between its requests (wrk's delay(): an offered rate, closed loop).

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
  local connections = tonumber(args[3] or "1")
  local rate = tonumber(args[4] or "0")
  pause = 0
  if rate > 0 then
    pause = connections * 1000 / rate
  end
  step = tonumber(args[5] or "1")
  counter = id
end

function delay()
  return pause
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
