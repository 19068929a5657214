-- GET /api/doctors/{id}/slots for one week of a clinic doctor (Mon-Fri 09-17, 30-minute
-- slots, some taken), rotating over 4 doctors and 8 patients' tokens.
local lt = dofile(os.getenv("LT_DIR") .. "/common.lua")
lt.install()

local reqs, n = {}, 0
function init(args)
  local d = lt.data
  for i, token in ipairs(d.list_tokens) do
    local doctor = d.clinic_doctors[(i - 1) % #d.clinic_doctors + 1]
    local path = "/api/doctors/" .. doctor .. "/slots?from=" .. d.slot_from .. "&to=" .. d.slot_to
    reqs[i] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  end
end

function request()
  n = n + 1
  return reqs[n % #reqs + 1]
end
