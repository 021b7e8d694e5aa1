-- wrk script for mvi-reload-bench: every request is `POST <url>` with the JSON body `{}`.
--
-- Each thread counts the responses whose status is not 2xx (wrk itself only counts those above
-- 399). When the run is over, done() prints one machine-readable line per figure,
-- `mvi-reload-bench <key> <value>`, after wrk's own report; latencies are in microseconds.

wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    non_2xx = 0
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        non_2xx = non_2xx + 1
    end
end

local function report(key, value)
    io.write(string.format("mvi-reload-bench %s %.0f\n", key, value))
end

function done(summary, latency, requests)
    local non2xx = 0
    for _, thread in ipairs(threads) do
        non2xx = non2xx + (thread:get("non_2xx") or 0)
    end
    report("duration_us", summary.duration)
    report("requests", summary.requests)
    report("non_2xx", non2xx)
    report("errors_connect", summary.errors.connect)
    report("errors_read", summary.errors.read)
    report("errors_write", summary.errors.write)
    report("errors_status", summary.errors.status)
    report("errors_timeout", summary.errors.timeout)
    report("latency_p50_us", latency:percentile(50))
    report("latency_p99_us", latency:percentile(99))
    report("latency_max_us", latency.max)
    report("latency_mean_us", latency.mean)
end
