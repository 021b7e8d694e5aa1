-- wrk script of the fleet test: every request is `POST <url>` with the JSON body {"name":"Bob"}
-- (the hello call), as tools/bench/post_hello.lua sends it, and every answer's status is counted
-- (a response() hook in each of wrk's threads), so that any answer other than 2xx is seen, 3xx
-- included. When the run is over, done() prints one line
--   fleet-wrk {"requests": ..., "non_2xx": ..., "statuses": {"502": ...}, "errors": {...}}
-- errors are wrk's socket errors (connect, read, write, timeout) and its own status count.

wrk.method = "POST"
wrk.body = '{"name":"Bob"}'
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total, non2xx = {}, 0
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do
            total[status] = (total[status] or 0) + count
            if status < 200 or status > 299 then
                non2xx = non2xx + count
            end
        end
    end
    local parts = {}
    for status, count in pairs(total) do
        table.insert(parts, string.format('"%d": %d', status, count))
    end
    local e = summary.errors
    io.write(string.format(
        'fleet-wrk {"requests": %d, "duration_us": %d, "non_2xx": %d, "statuses": {%s}, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
        summary.requests, summary.duration, non2xx, table.concat(parts, ", "),
        e.connect, e.read, e.write, e.status, e.timeout))
end
