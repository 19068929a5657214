-- POST /api/auth/login with valid credentials: every request runs one argon2id verification.
local lt = dofile(os.getenv("LT_DIR") .. "/common.lua")
lt.install()

local req
function init(args)
  req = wrk.format("POST", "/api/auth/login", { ["Content-Type"] = "application/json" },
    lt.data.login_body)
end

function request()
  return req
end
