-- wrk script used for the warm-up runs of bench/run.sh: counts responses per HTTP status
-- and keeps one non-200 body, so the report can say *which* non-2xx answers hubd gave.
-- (Not used for the measured runs: a Lua response() hook costs wrk CPU on a shared box.)
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
    sample = nil
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status ~= 200 and sample == nil then
        sample = string.format("%d %s", status, string.sub(body or "", 1, 300))
    end
end

function done(summary, latency, requests)
    local total = {}
    local first = nil
    for _, t in ipairs(threads) do
        for code, n in pairs(t:get("statuses")) do
            total[code] = (total[code] or 0) + n
        end
        first = first or t:get("sample")
    end
    for code, n in pairs(total) do
        io.write(string.format("STATUS %d %d\n", code, n))
    end
    if first then
        io.write("SAMPLE " .. string.gsub(first, "\n", " ") .. "\n")
    end
end
