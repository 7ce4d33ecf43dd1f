-- wrk script for the soak: many well-behaved clients, each its own /24 (via a trusted
-- X-Forwarded-For), rotating over the ids in the file given after "--".
local ids = {}
local counter = 0

init = function(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
end

request = function()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  local client = string.format("10.%d.%d.7", math.floor(counter / 256) % 256, counter % 256)
  return wrk.format("GET", "/track/" .. id .. "?utm_source=soak", {
    ["X-Forwarded-For"] = client,
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
  })
end
