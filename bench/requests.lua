-- wrk script: replay the requests of a file, one per line as
--   METHOD<TAB>PATH<TAB>BEARER TOKEN or -<TAB>JSON BODY or -
-- each thread from its own offset, round and round; at the end print one JSON line
-- with the counts and the latency percentiles (microseconds).
--   wrk -s bench/requests.lua http://127.0.0.1:8000 -- requests.tsv

local requests = {}
local position = 1

local function split(line)
  local fields = {}
  for value in (line .. "\t"):gmatch("([^\t]*)\t") do
    fields[#fields + 1] = value
  end
  return fields
end

local thread_number = 0
function setup(thread)
  thread:set("offset", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  for line in io.lines(args[1]) do
    local f = split(line)
    local headers = { ["Accept"] = "application/json" }
    if f[3] ~= "-" then headers["Authorization"] = "Bearer " .. f[3] end
    local body = nil
    if f[4] ~= "-" then
      body = f[4]
      headers["Content-Type"] = "application/json"
    end
    requests[#requests + 1] = wrk.format(f[1], f[2], headers, body)
  end
  position = (offset * 7919) % #requests + 1
end

function request()
  local r = requests[position]
  position = position % #requests + 1
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
