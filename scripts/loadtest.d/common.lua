-- Shared by the wrk scenarios of scripts/loadtest.
--
-- Environment: LT_DATA (the Lua table seed.py wrote), LT_NAME (scenario label for the result
-- line), LT_THREADS (wrk's -t, so scenarios can split work per thread).
-- Every scenario counts responses by status in each thread; done() prints one line
--   LT_RESULT name=… rps=… p50=… p95=… p99=… requests=… non2xx=… socket_errors=… codes=201:n,…
-- (latencies in milliseconds) that scripts/loadtest turns into its table.
local M = {}

M.data = dofile(assert(os.getenv("LT_DATA"), "LT_DATA is unset"))
M.threads = tonumber(os.getenv("LT_THREADS") or "2")

local all_threads = {}
local next_tid = 0

-- Runs in the main state once per thread before it starts: numbers the threads.
function M.setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(all_threads, thread)
end

-- Runs in each thread for every response.
codes = {}
function M.response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

-- Runs in the main state at the end.
function M.done(summary, latency, requests)
  local total, ok = {}, 0
  for _, t in ipairs(all_threads) do
    for status, n in pairs(t:get("codes") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  local keys = {}
  for status, n in pairs(total) do
    table.insert(keys, status)
    if status >= 200 and status < 300 then ok = ok + n end
  end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do table.insert(parts, k .. ":" .. total[k]) end
  local e = summary.errors
  io.write(string.format(
    "LT_RESULT name=%s rps=%.1f p50=%.2f p95=%.2f p99=%.2f max=%.2f requests=%d non2xx=%d socket_errors=%d codes=%s\n",
    os.getenv("LT_NAME") or "?",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, summary.requests - ok,
    e.connect + e.read + e.write + e.timeout,
    table.concat(parts, ",")))
end

-- Installs the shared setup/response/done as wrk's globals.
function M.install()
  setup, response, done = M.setup, M.response, M.done
end

return M
