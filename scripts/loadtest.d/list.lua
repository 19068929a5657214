-- GET /api/appointments as one of 8 patients (a page of their 20 appointments), rotating tokens.
local lt = dofile(os.getenv("LT_DIR") .. "/common.lua")
lt.install()

local reqs, n = {}, 0
function init(args)
  for i, token in ipairs(lt.data.list_tokens) do
    reqs[i] = wrk.format("GET", "/api/appointments", { ["Authorization"] = "Bearer " .. token })
  end
end

function request()
  n = n + 1
  return reqs[n % #reqs + 1]
end
