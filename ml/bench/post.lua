-- wrk script of npm run bench:serve: POSTs the JSON body in BODY_FILE, and prints one line with the run's
-- figures (requests, non-2xx answers, socket errors, p50 and p99 in microseconds, duration in microseconds).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = file:read("*a")
file:close()

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
