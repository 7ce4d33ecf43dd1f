-- wrk script for the soak: one abusive client (a single /24) hammering one link.
request = function()
  return wrk.format("GET", "/track/bench_000001", { ["X-Forwarded-For"] = "203.0.113.66" })
end
