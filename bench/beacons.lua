-- wrk script: realistic, distinct browser beacons (PROTOCOL §2.18 shape) with correct checksums.
--
-- Every request is a different event: wrk thread `tid` of run `salt` sends event `k` of its own
-- stream, in which a visitor (party + session) makes 3 page views of 4 events each (the automatic
-- `pageView`, then custom events with mincode parameters). Party, session, page-view and event ids
-- therefore never repeat within a run, nor across runs given a different salt, so the collector's
-- duplicate memory flags nothing. The `x` checksum is the real MurmurHash3 x86_32 over the
-- canonical string (PROTOCOL §2.7), computed here with LuaJIT's `bit` library and checked against
-- the spec's worked example when each thread starts, so the collector takes the normal path
-- (nothing is flagged corrupt) and the benchmark's record check can count on it.
--
-- Arguments (after `--` on wrk's command line): salt (a few base-36 characters).
-- `done` prints one line `BENCH_RESULT {json}` that bench/beacon_throughput.py parses; besides
-- wrk's summary it says how many requests were generated ("sent"): those still in flight when wrk
-- stopped are not among wrk's "requests" but may well have reached the server.
-- No `response` callback is defined, so wrk keeps its fast path; wrk counts statuses > 399 as
-- errors, and nothing here can make a server answer 3xx (no conditional headers are sent).

local bit = require("bit")
local band, bor, bxor, lshift, rshift, rol, tobit =
  bit.band, bit.bor, bit.bxor, bit.lshift, bit.rshift, bit.rol, bit.tobit
local byte, concat, floor = string.byte, table.concat, math.floor

-- MurmurHash3 x86_32 -------------------------------------------------------------------------

-- 32-bit multiply modulo 2^32: split `a` in 16-bit halves so every product stays exact in a double.
local function mul32(a, b)
  return tobit(band(a, 0xffff) * b + lshift(tobit(rshift(a, 16) * b), 16))
end

local C1, C2 = tobit(0xcc9e2d51), tobit(0x1b873593)
local N, F1, F2 = tobit(0xe6546b64), tobit(0x85ebca6b), tobit(0xc2b2ae35)

local function mix_k(k)
  return mul32(rol(mul32(k, C1), 15), C2)
end

local function murmur3_32(s)
  local h, len = 0, #s
  local blocks = len - len % 4
  for i = 1, blocks, 4 do
    local b1, b2, b3, b4 = byte(s, i, i + 3)
    h = rol(bxor(h, mix_k(bor(b1, lshift(b2, 8), lshift(b3, 16), lshift(b4, 24)))), 13)
    h = tobit(mul32(h, 5) + N)
  end
  local rest = len - blocks
  if rest > 0 then
    local k = byte(s, blocks + 1)
    if rest > 1 then k = bor(k, lshift(byte(s, blocks + 2), 8)) end
    if rest > 2 then k = bor(k, lshift(byte(s, blocks + 3), 16)) end
    h = bxor(h, mix_k(k))
  end
  h = bxor(h, len)
  h = mul32(bxor(h, rshift(h, 16)), F1)
  h = mul32(bxor(h, rshift(h, 13)), F2)
  return bxor(h, rshift(h, 16)) -- signed int32, like the tag's
end

local DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

local function base36(n) -- integers up to 2^53, with a sign like Java's Long.toString(n, 36)
  if n == 0 then return "0" end
  local sign = ""
  if n < 0 then sign, n = "-", -n end
  local out = {}
  while n > 0 do
    local d = n % 36
    out[#out + 1] = DIGITS:sub(d + 1, d + 1)
    n = (n - d) / 36
  end
  return sign .. string.reverse(concat(out))
end

local function pad(s, width, fill) -- left-pad to a fixed width so ids keep the tag's length
  return string.rep(fill, width - #s) .. s
end

-- PROTOCOL §2.18 event #0: canonical string → 454240125 → x=7ifxx9.
local SPEC_CANONICAL = "c=kf12otbv,;e=0:Xo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps0,;f=t,;h=k0,;i=1hc,;"
  .. "j=sw,;k=2,;l=https://shop.example.com/products/311381?ref=home#reviews,;n=t,;"
  .. "p=0:kf12ot8g:Qm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA,;r=https://www.google.com/,;"
  .. "s=0:kf12ot8g:Tb9xW2q_Lr8kPz4nVc6yHs1dJm0gFa3E,;t=pageView,;"
  .. "v=0:Xo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps,;w=zk,;"
assert(murmur3_32(SPEC_CANONICAL) == 454240125, "murmur3_32 disagrees with PROTOCOL §2.18")
assert(base36(murmur3_32(SPEC_CANONICAL)) == "7ifxx9", "base36 disagrees with PROTOCOL §2.18")

-- The event stream ---------------------------------------------------------------------------

local EVENTS_PER_PAGE_VIEW, PAGE_VIEWS_PER_VISIT = 4, 3
local EVENTS_PER_VISIT = EVENTS_PER_PAGE_VIEW * PAGE_VIEWS_PER_VISIT

local CUSTOM = { -- event type, mincode parameters (characters encodeURIComponent leaves alone)
  { "productView", "(ssku!0886974140818!dposition!3!)" },
  { "addToBasket", "(ssku!0886974140818!dcount!2!jprice!43.94!atags!sa!sb!.fgift!)" },
  { "scrollDepth", "(dpercent!2s!)" },
}

local USER_AGENTS = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    .. "Chrome/124.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    .. "Version/17.4.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
    .. "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
}

local SITE = "https://shop.example.com/products/"
local SITE_ENC = "https%3A%2F%2Fshop.example.com%2Fproducts%2F"
local GOOGLE, GOOGLE_ENC = "https://www.google.com/", "https%3A%2F%2Fwww.google.com%2F"

local prefix, host_line, start_ms
local threads = {} -- main state only: every thread, for `done`

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

function init(args)
  local salt = args[1] or "0"
  prefix = pad(salt .. "t" .. tostring(tid or 0), 12, "Z")
  sent = 0 -- global, so that `done` can read it with thread:get
  start_ms = floor(os.time() * 1000)
  local host = wrk.host:find(":") and ("[" .. wrk.host .. "]") or wrk.host -- IPv6 literal
  host_line = "Host: " .. host .. ":" .. tostring(wrk.port) .. "\r\n"
end

local function id_part(kind, n) -- 32 characters: 12 of run/thread prefix, 20 of counter
  return prefix .. kind .. pad(base36(n), 19, "0")
end

function request()
  local k = sent
  sent = k + 1
  local visit = floor(k / EVENTS_PER_VISIT)
  local in_visit = k % EVENTS_PER_VISIT
  local page = floor(k / EVENTS_PER_PAGE_VIEW)
  local nth = k % EVENTS_PER_PAGE_VIEW
  local born = base36(start_ms - 86400000 + visit)
  local party = "0:" .. born .. ":" .. id_part("p", visit)
  local session = "0:" .. born .. ":" .. id_part("s", visit)
  local view = "0:" .. id_part("v", page)
  local event = view .. base36(nth)
  local client_time = base36(start_ms + k * 250)
  local product = tostring(311381 + page % 5000)
  local location = SITE .. product .. "?ref=home"
  local location_enc = SITE_ENC .. product .. "%3Fref%3Dhome"
  local referer, referer_enc = GOOGLE, GOOGLE_ENC
  if in_visit >= EVENTS_PER_PAGE_VIEW then
    local previous = tostring(311381 + (page - 1) % 5000)
    referer, referer_enc = SITE .. previous .. "?ref=home", SITE_ENC .. previous .. "%3Fref%3Dhome"
  end
  local new_party = (k % EVENTS_PER_VISIT == 0) and "t" or "f"
  local first = new_party
  local event_type, params = "pageView", nil
  if nth > 0 then
    local custom = CUSTOM[nth]
    event_type, params = custom[1], custom[2]
  end
  -- Canonical string: names in order c e f h i j k l n p r s t u v w (PROTOCOL §2.7).
  local canonical = "c=" .. client_time .. ",;e=" .. event .. ",;f=" .. first
    .. ",;h=k0,;i=1hc,;j=sw,;k=2,;l=" .. location .. ",;n=" .. new_party
    .. ",;p=" .. party .. ",;r=" .. referer .. ",;s=" .. session .. ",;t=" .. event_type
    .. ",;" .. (params and ("u=" .. params .. ",;") or "") .. "v=" .. view .. ",;w=zk,;"
  local query = "p=" .. party:gsub(":", "%%3A") .. "&s=" .. session:gsub(":", "%%3A")
    .. "&v=" .. view:gsub(":", "%%3A") .. "&e=" .. event:gsub(":", "%%3A")
    .. "&c=" .. client_time .. "&n=" .. new_party .. "&f=" .. first
    .. "&l=" .. location_enc .. "&r=" .. referer_enc
    .. "&i=1hc&j=sw&k=2&w=zk&h=k0&t=" .. event_type
    .. (params and ("&u=" .. params) or "") .. "&x=" .. base36(murmur3_32(canonical))
  return "GET /csc-event?" .. query .. " HTTP/1.1\r\n" .. host_line
    .. "User-Agent: " .. USER_AGENTS[visit % #USER_AGENTS + 1] .. "\r\n"
    .. "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8\r\n"
    .. "Accept-Encoding: gzip, deflate, br\r\n"
    .. "Accept-Language: en-GB,en;q=0.9,nl;q=0.8\r\n"
    .. "Referer: " .. location .. "\r\n"
    .. "Cookie: _dvp=" .. party .. "; _dvs=" .. session .. "\r\n"
    .. "\r\n"
end

function done(summary, latency, requests)
  -- wrk calls request() once on the first thread before the run, to check the request's
  -- shape (script_verify_request); that request is never sent.
  local e, generated = summary.errors, -1
  for _, thread in ipairs(threads) do
    generated = generated + thread:get("sent")
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "sent": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, generated, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
