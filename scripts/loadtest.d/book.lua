-- POST /api/appointments booking DISTINCT slots: every request should be 201.
--
-- Each booking doctor (open 00:00-23:59 UTC every day, on the care team of the 64 charts it
-- created) belongs to one wrk thread; the thread walks its doctors round-robin, and a doctor's
-- k-th booking takes the k-th 15-minute slot after day0 + LT_DAY_OFFSET days (95 a day:
-- 00:00 ... 23:30) for chart k mod 64. A doctor's starts never repeat and a chart only ever
-- books with its own doctor, so nothing can overlap whatever order the connections send in;
-- each chart gets every 64th booking of its doctor, so its calendar stays small.
-- Give every run against the same server its own LT_DAY_OFFSET (scripts/loadtest spaces them
-- 1000 days apart).
local lt = dofile(os.getenv("LT_DIR") .. "/common.lua")
lt.install()

local mine, n, base = {}, 0, 0
local SLOT, PER_DAY, DAY = 900, 95, 86400

function init(args)
  for i, b in ipairs(lt.data.bookers) do
    if (i - 1) % lt.threads == tid then
      table.insert(mine, {
        doctor = b.doctor,
        charts = b.charts,
        headers = { ["Authorization"] = "Bearer " .. b.token, ["Content-Type"] = "application/json" },
      })
    end
  end
  assert(#mine > 0, "more wrk threads than booking doctors")
  base = lt.data.book_day0 + tonumber(os.getenv("LT_DAY_OFFSET") or "0") * DAY
end

function request()
  local b = mine[n % #mine + 1]
  local k = math.floor(n / #mine)
  n = n + 1
  local start = base + math.floor(k / PER_DAY) * DAY + (k % PER_DAY) * SLOT
  local body = string.format('{"doctor_id":"%s","patient_id":"%s","start":"%s","end":"%s"}',
    b.doctor, b.charts[k % #b.charts + 1],
    os.date("!%Y-%m-%dT%H:%M:%SZ", start), os.date("!%Y-%m-%dT%H:%M:%SZ", start + SLOT))
  return wrk.format("POST", "/api/appointments", b.headers, body)
end
