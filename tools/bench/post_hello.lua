-- wrk script of the benchmark: every request is `POST <url>` with the JSON body {"name":"Bob"}
-- on keep-alive connections. When the run is over, done() prints one line
--   mvi-bench {"requests": ..., "duration_us": ..., "errors": {...}, "latency_us": {...}}
-- after wrk's own report. errors.status counts answers with a status of 400 or more (wrk's own
-- count; no response() hook, so wrk stays as fast as it can be). Latencies are in microseconds.

wrk.method = "POST"
wrk.body = '{"name":"Bob"}'
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'mvi-bench {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
        '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
        summary.requests, summary.duration, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        latency.mean))
end
