-- wrk script: rotate over the ids listed in bench/ids.txt (one per line), so every
-- request is a different link, as real traffic is.
local ids = {}
local counter = 0

init = function(args)
  local file = args[1] or "bench/ids.txt"
  for line in io.lines(file) do ids[#ids + 1] = line end
end

request = function()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  return wrk.format("GET", "/track/" .. id .. "?utm_source=bench&utm_medium=wrk", {
    ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    ["Referer"] = "https://mail.google.com/mail/u/0/"
  })
end
