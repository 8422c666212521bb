-- wrk script for plain GET phases: prints the same RESULT line as actions.lua.
function done(summary, latency, requests)
  io.write(string.format(
    "RESULT %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), 0))
end
