-- wrk script for Essaim's load benchmark: one connection per thread, so that each response
-- belongs to the request sent just before it on that thread (first in, first out).
--   MODE=sign   one-click signing, each request as the next supporter
--   MODE=mixed  80 % campaign page, 15 % signing, 5 % joining the challenge
--   MODE=floor  the floor view (/floor: read the session, commit one bare row), each request
--               as the next supporter
--   MODE=guest  signing without an account (htmx), each request as the next stranger
-- USERS is a file of lines "sessionid csrftoken" (MODE=guest: "sessionid form", the form
-- url-encoded as the stranger's browser sends it); SLUG the campaign's address.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = os.getenv("MODE") or "sign"
  slug = os.getenv("SLUG")
  users = {}
  for line in io.lines(os.getenv("USERS")) do
    local session, token = line:match("(%S+) (%S+)")
    table.insert(users, {session, token})
  end
  local count = tonumber(os.getenv("THREADS"))
  -- Each thread takes its own slice of the supporters: nobody signs from two threads.
  local per = math.floor(#users / count)
  first = id * per + 1
  last = first + per - 1
  cursor = first
  pending = {}
  acked = {}
  seed = id * 7919 + 17
end

local function next_user()
  local index = cursor
  cursor = cursor + 1
  if cursor > last then cursor = first end
  return index
end

local function roll()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end

local function post(path, index)
  local user = users[index]
  return wrk.format("POST", path, {
    ["Cookie"] = "sessionid=" .. user[1] .. "; csrftoken=" .. user[2],
    ["X-CSRFToken"] = user[2],
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Content-Length"] = "0",
  }, "")
end

function request()
  -- wrk calls request() once on the first thread to check what it builds, and never sends
  -- that one: it must not take a supporter nor a place in the queue of expected answers.
  if id == 0 and not checked then
    checked = true
    return wrk.format("GET", "/bare")
  end
  if mode == "floor" then
    table.insert(pending, "v")
    return post("/floor", next_user())
  end
  if mode == "guest" then
    local index = next_user()
    local user = users[index]
    table.insert(pending, "g" .. index)
    return wrk.format("POST", "/campaigns/" .. slug .. "/sign/guest/", {
      ["Cookie"] = "sessionid=" .. user[1],
      ["HX-Request"] = "true",
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Content-Length"] = tostring(#user[2]),
    }, user[2])
  end
  local r = mode == "sign" and 0 or roll()
  if mode == "sign" or (r >= 0.80 and r < 0.95) then
    local index = next_user()
    table.insert(pending, "s" .. index)
    return post("/campaigns/" .. slug .. "/sign/", index)
  elseif r >= 0.95 then
    local index = next_user()
    table.insert(pending, "j" .. index)
    return post("/campaigns/" .. slug .. "/challenge/join/", index)
  end
  table.insert(pending, "v")
  return wrk.format("GET", "/campaigns/" .. slug .. "/")
end

function response(status, headers, body)
  -- "s<line>" a signature, "j<line>" a challenge join, "g<line>" a guest signature:
  -- acknowledged when answered 2xx.
  local what = table.remove(pending, 1)
  if what and what ~= "v" and status >= 200 and status < 300 then
    table.insert(acked, what)
  end
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    local list = thread:get("acked")
    for _, value in ipairs(list) do table.insert(all, value) end
  end
  io.write(string.format(
    "RESULT %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), #all))
  local out = io.open(os.getenv("ACKED"), "w")
  for _, value in ipairs(all) do out:write(value, "\n") end
  out:close()
end
